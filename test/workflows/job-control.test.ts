import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StartSpec } from '../../src/client/start-spec';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, ticket, writeTicketsJsonl } from '../support/datasets';
import { expectExactlyOnce, expectOneOutcomePerItem } from '../support/job-assertions';
import { waitFor } from '../support/worker-process';

describe('controlling jobs: cancel, pause and resume, reprocess, bad rows, progress', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ scenario: { clock: { speed: 2000 } } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const spec = (jobId: string, input: string, over: Partial<StartSpec> = {}): StartSpec => ({
    jobId,
    dataset: { path: input, idField: 'id' },
    model: 'gpt-4o-mini',
    prompt: { messages: [{ role: 'system', content: `Classify. [${jobId}]` }, TICKET_PROMPT.messages[1]!] },
    outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
    limits: { maxRequestsPerShard: 25 },
    polling: { initialSeconds: 0.2, maxSeconds: 0.5 },
    timeouts: { heartbeatSeconds: 5, requestSeconds: 5 },
    ...over,
  });

  it('cancel mid-job: batches cancelled at the provider (even a slow cancel), partial results kept, the rest cancelled', async () => {
    stack.emulator.setScenario({ clock: { speed: 100 }, timing: { cancellingSeconds: 200 } });
    const input = writeTicketsJsonl(path.join(stack.dir, 'cancel'), 100);
    const job = await stack.client.start(spec('cancel-me', input, { limits: { maxRequestsPerShard: 25, shardsInFlight: 2 } }));
    await waitFor('two batches in progress', () => stack.emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_job === 'cancel-me' && b.status === 'in_progress').length === 2);
    await job.cancel('test');
    const report = await job.result();
    stack.emulator.setScenario({ clock: { speed: 2000 }, timing: {} });
    expect(report.status).toBe('cancelled');
    const lines = expectOneOutcomePerItem(report, 100);
    expect(report.counts.cancelled).toBeGreaterThanOrEqual(50); // the two shards never sent
    expect(lines.filter((l) => l.state === 'cancelled').every((l) => l.error?.reason === 'job_cancelled')).toBe(true);
    const batches = stack.emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_job === 'cancel-me');
    expect(batches).toHaveLength(2);
    expect(batches.every((b) => b.status === 'cancelled')).toBe(true);
    expectExactlyOnce(stack.emulator, 'cancel-me');
  });

  it('pause stops launching shards, resume carries on; progress is visible all along', async () => {
    stack.emulator.setScenario({ clock: { speed: 400 } });
    const input = writeTicketsJsonl(path.join(stack.dir, 'pause'), 100);
    const job = await stack.client.start(spec('pause-me', input, { limits: { maxRequestsPerShard: 25, shardsInFlight: 1 } }));
    await job.pause();
    await new Promise((r) => setTimeout(r, 4000));
    const during = await job.progress();
    expect(during.paused).toBe(true);
    expect(during.status).toBe('paused');
    expect(during.shards.done + during.shards.running).toBeLessThanOrEqual(1);
    expect(during.total).toBe(100);
    await job.resume();
    const report = await job.result();
    stack.emulator.setScenario({ clock: { speed: 2000 } });
    expect(report.counts.succeeded).toBe(100);
    const after = await job.progress();
    expect(after).toMatchObject({ status: 'completed', items: { succeeded: 100, pending: 0 } });
  });

  it('reprocess: failed items only, then all with a changed prompt, then all unchanged (answered from cache)', async () => {
    const input = writeTicketsJsonl(path.join(stack.dir, 'reprocess'), 60);
    stack.emulator.setScenario({ requestFaults: { invalidRequestRate: 0.15 } });
    const job = await stack.client.start(spec('reprocess-me', input));
    const first = await job.result();
    expect(first.counts.failed).toBeGreaterThan(0);
    stack.emulator.setScenario({ requestFaults: {} });

    const failedOnly = await job.reprocess();
    expect(failedOnly).toMatchObject({ generation: 1, queued: first.counts.failed, untouched: 60 - first.counts.failed });
    const second = await job.result();
    expect(second).toMatchObject({ generation: 1, counts: { succeeded: 60, failed: 0 } });
    expectOneOutcomePerItem(second, 60);

    const changed = await job.reprocess({ all: true, changes: { prompt: { messages: [{ role: 'user', content: 'Triage this: {{subject}} / {{body}}' }] } } });
    expect(changed).toMatchObject({ generation: 2, queued: 60, cached: 0 });
    const third = await job.result();
    expect(third.taskVersion).not.toBe(first.taskVersion);
    expect(third.counts.succeeded).toBe(60);

    const again = await job.reprocess({ all: true });
    expect(again).toMatchObject({ generation: 3, queued: 0, cached: 60 });
    const fourth = await job.result();
    expect(fourth.counts).toEqual({ succeeded: 0, failed: 0, cancelled: 0, cached: 60 });
    expectExactlyOnce(stack.emulator, 'reprocess-me');
  });

  it('a dataset with bad rows: each becomes a failed item with its line and reason; the job goes on', async () => {
    const file = path.join(stack.dir, 'bad-rows.jsonl');
    const rows = [JSON.stringify(ticket(0)), '{oops', JSON.stringify({ id: 'x-1', subject: 'no body' }), '', JSON.stringify(ticket(3)), '[]'];
    writeFileSync(file, rows.join('\n') + '\n');
    const job = await stack.client.start(spec('bad-rows', file));
    const report = await job.result();
    expect(report.counts).toEqual({ succeeded: 2, failed: 3, cancelled: 0, cached: 0 });
    const lines = expectOneOutcomePerItem(report, 5);
    expect(lines.map((l) => [l.line, l.state, l.error?.reason ?? null])).toEqual([
      [1, 'succeeded', null],
      [2, 'failed', 'bad_row'],
      [3, 'failed', 'bad_row'],
      [5, 'succeeded', null],
      [6, 'failed', 'bad_row'],
    ]);
    const dead = readFileSync(report.files.deadLetter, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(dead.map((d) => d.message)).toEqual([
      expect.stringMatching(/^line 2: invalid JSON/),
      'line 3: missing field "body" (used in prompt.messages[1].content)',
      'line 6: expected a JSON object, got an array',
    ]);
  });

  it('refuses a job id that is taken, and reprocess of a job that is still running', async () => {
    const input = writeTicketsJsonl(path.join(stack.dir, 'dup'), 5);
    stack.emulator.setScenario({ clock: { speed: 100 } });
    const job = await stack.client.start(spec('taken', input));
    await expect(stack.client.start(spec('taken', input))).rejects.toThrow('job "taken" already exists');
    await expect(job.reprocess()).rejects.toThrow(/is (preparing|running); reprocess it once it has ended/);
    await job.cancel();
    await job.result();
    stack.emulator.setScenario({ clock: { speed: 2000 } });
  });
});
