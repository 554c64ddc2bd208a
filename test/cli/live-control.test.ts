import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeTicketsJsonl } from '../support/datasets';
import { startTestStack, type TestStack } from '../support/stack';
import { runCli } from './cli-process';

/**
 * Steering a running job through the real binary: batches that take minutes (emulated hours), so the job is
 * still running while status shows its shards, pause and resume flip it, and cancel ends it.
 */
describe('longhaul status / pause / resume / cancel / watch on a running job', () => {
  let stack: TestStack;
  let cli: (args: string[]) => ReturnType<typeof runCli>;

  beforeAll(async () => {
    stack = await startTestStack({ scenario: { timing: { inProgressSeconds: 300_000, cancellingSeconds: 30 } } });
    const env = { LONGHAUL_TASK_QUEUE: stack.config.taskQueue, LONGHAUL_DATA_DIR: stack.dir };
    cli = (args) => runCli([...args, '--address', stack.address], { env });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const value = await read();
      if (ok(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(value)}`);
      await sleep(200);
    }
  }

  it('starts from a YAML spec, shows live shards, pauses, resumes, cancels, and watch ends with exit 1', async () => {
    writeTicketsJsonl(stack.dir, 40);
    const spec = path.join(stack.dir, 'spec.yaml');
    writeFileSync(spec, [
      'dataset: { path: tickets.jsonl, idField: id }',
      'model: gpt-4o-mini',
      'prompt:',
      '  messages:',
      '    - { role: user, content: "Classify: {{subject}}" }',
      'limits: { maxRequestsPerShard: 10, shardsInFlight: 2 }',
      'polling: { initialSeconds: 0.2, maxSeconds: 0.5 }',
      '',
    ].join('\n'));
    const started = await cli(['run', spec, '--job-id', 'cli-live', '--json']);
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ jobId: 'cli-live', workflowId: 'longhaul/cli-live', uiUrl: 'http://localhost:8233/namespaces/default/workflows/longhaul%2Fcli-live' });

    const job = stack.client.job('cli-live');
    await until(() => job.progress(), (p) => p.shards.running === 2);
    // a running shard may still be recording its batch (submitting): wait until status shows one created
    const status = await until(() => cli(['status', 'cli-live']), (s) => /cli-live\/g0\/r0\/s[01]\s+(validating|in_progress)\s+batch_/.test(s.stdout));
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^Job cli-live running \(generation 0, round 0\)/);
    expect(status.stdout).toMatch(/shards\s+4 total: 0 done, 2 running, 2 queued/);
    expect(status.stdout).toMatch(/SHARD\s+PHASE\s+BATCH\s+DONE\s+FAILED\s+POLLS/);
    expect(status.stdout).toMatch(/cli-live\/g0\/r0\/s[01]\s+(validating|in_progress)\s+batch_/);

    const paused = await cli(['pause', 'cli-live']);
    expect(paused.stdout).toContain('Paused job cli-live');
    await until(() => job.progress(), (p) => p.paused && p.status === 'paused');
    const resumed = await cli(['resume', 'cli-live']);
    expect(resumed.stdout).toContain('Resumed job cli-live');
    await until(() => job.progress(), (p) => !p.paused && p.status === 'running');

    const cancelled = await cli(['cancel', 'cli-live', '--reason', 'testing the CLI']);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain('Cancel requested for job cli-live');
    const watched = await cli(['watch', 'cli-live']);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/Job cli-live cancelled \(generation 0/);
  });
});
