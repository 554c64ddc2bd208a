import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { jobWorkflowId } from '../../workflows/internal/workflow-ids';
import { freePort } from '../../src/dev/free-port';
import { writeTicketsJsonl } from '../support/datasets';
import { startTestStack, type TestStack } from '../support/stack';
import { expectOneLineError, runCli } from './cli-process';

/**
 * `longhaul reprocess` the ways a user gets it wrong, through the real binary against a real Temporal server, a
 * worker and the emulator: each mistake is one line naming its real cause, with the documented exit code, and
 * what can be told before sending leaves the job as it was (no new run).
 */
describe('longhaul reprocess: mistakes named in one line', () => {
  let stack: TestStack;
  let env: NodeJS.ProcessEnv;
  let cli: (args: string[], extraEnv?: NodeJS.ProcessEnv) => ReturnType<typeof runCli>;
  const jobId = `rp-errors-${Date.now().toString(36)}`;
  const runsOf = async (id: string) => {
    let runs = 0;
    for await (const _ of stack.client.temporal.workflow.list({ query: `WorkflowId = '${jobWorkflowId(id)}'` })) runs++;
    return runs;
  };
  const changesFile = (name: string, text: string) => {
    const file = path.join(stack.dir, name);
    writeFileSync(file, text);
    return file;
  };

  beforeAll(async () => {
    stack = await startTestStack();
    env = { LONGHAUL_TASK_QUEUE: stack.config.taskQueue, LONGHAUL_DATA_DIR: stack.dir };
    cli = (args, extraEnv = {}) => runCli([...args, '--address', stack.address], { env: { ...env, ...extraEnv } });
    const input = writeTicketsJsonl(stack.dir, 5);
    const run = await cli(['run', '--input', input, '--model', 'gpt-4o-mini', '--prompt', '{{subject}}', '--job-id', jobId, '--watch']);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses what it can tell before sending anything, and the job stays as it was', async () => {
    const unreachable = `127.0.0.1:${await freePort()}`;
    const [unknownJob, nothing, badModel, flex, endpoint, deadline, missingFile, brokenYaml, unknownKey, noServer] = await Promise.all([
      cli(['reprocess', 'no-such-job']),
      cli(['reprocess', jobId]),
      cli(['reprocess', jobId, '--all', '--spec', changesFile('model.yaml', 'model: no-such-model\n')]),
      cli(['reprocess', jobId, '--all', '--spec', changesFile('flex.yaml', 'provider: anthropic\nmodel: claude-sonnet-4-5\nendpoint: /v1/messages\nmode: flex\n')]),
      cli(['reprocess', jobId, '--all', '--spec', changesFile('endpoint.yaml', 'provider: anthropic\nmodel: claude-sonnet-4-5\n')]),
      cli(['reprocess', jobId, '--all', '--spec', changesFile('deadline.yaml', 'deadline: 2020-01-01T00:00:00Z\n')]),
      cli(['reprocess', jobId, '--spec', path.join(stack.dir, 'missing.yaml')]),
      cli(['reprocess', jobId, '--spec', changesFile('broken.yaml', 'model: [\n')]),
      cli(['reprocess', jobId, '--spec', changesFile('unknown.yaml', 'modle: gpt-4o\n')]),
      runCli(['reprocess', jobId, '--address', unreachable], { env }),
    ]);
    expectOneLineError(unknownJob, 3, /^longhaul reprocess: no job "no-such-job"/);
    expectOneLineError(nothing, 1, new RegExp(`^longhaul reprocess: job "${jobId}" has no failed or cancelled items \\(generation 0\\): nothing to reprocess \\(--all runs every item again\\)$`));
    expectOneLineError(badModel, 2, /^longhaul reprocess: invalid reprocess changes: model: unknown model "no-such-model": it has no price/);
    expectOneLineError(flex, 2, /^longhaul reprocess: invalid reprocess changes: mode: anthropic cannot serve mode "flex"$/);
    expectOneLineError(endpoint, 2, /^longhaul reprocess: invalid reprocess changes: endpoint: anthropic serves \/v1\/messages, not openai's endpoints: add endpoint: \/v1\/messages to the changes$/);
    expectOneLineError(deadline, 2, /^longhaul reprocess: invalid reprocess changes: deadline: 2020-01-01T00:00:00Z has already passed$/);
    expectOneLineError(missingFile, 2, /^longhaul reprocess: .*no such spec file: .*missing\.yaml/);
    expectOneLineError(brokenYaml, 2, /^longhaul reprocess: invalid .*broken\.yaml: not valid YAML/);
    expectOneLineError(unknownKey, 2, /^longhaul reprocess: invalid reprocess changes: Unrecognized key: "modle"/);
    expectOneLineError(noServer, 4, /^longhaul reprocess: cannot reach the Temporal server at /);
    expect(await runsOf(jobId)).toBe(1);
    const status = await cli(['status', jobId, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ jobId, status: 'completed', generation: 0 });
  });

  it("names the worker's reason when it refuses a reprocess (the job stays as it was), and a corrected reprocess runs", async () => {
    // the CLI's price file knows the model, the worker's configuration does not: only the worker can refuse it
    const prices = changesFile('prices.json', JSON.stringify({ 'house-model': { inputPerMTok: 1, outputPerMTok: 2 } }));
    const refused = await cli(['reprocess', jobId, '--all', '--spec', changesFile('house.yaml', 'model: house-model\n')], { LONGHAUL_PRICES: prices });
    expectOneLineError(
      refused,
      2,
      new RegExp(`^longhaul reprocess: cannot reprocess job "${jobId}": invalid job spec: model: unknown model "house-model": it has no price .*\\(the job's results so far are kept: reprocess again once this is fixed\\)$`),
    );
    const again = await cli(['reprocess', jobId, '--all', '--watch', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ jobId, status: 'completed', total: 5, counts: { cached: 5 } });

    // rows the changed prompt cannot render fail while preparing: the line says so instead of "0 items queued" alone
    const missingField = await cli(['reprocess', jobId, '--all', '--spec', changesFile('prompt.yaml', 'prompt: { messages: [{ role: user, content: "{{no_such_field}}" }] }\n')]);
    expect(missingField.code).toBe(0);
    expect(missingField.stdout).toMatch(new RegExp(`: 0 items queued, 0 answered from cache, 0 left as they were, 5 failed before sending \\(why: longhaul watch ${jobId}\\)`));
  });

  it('refuses a job that is still running', async () => {
    // no worker listens on this queue: the job stays running until it is terminated
    const queue = `${stack.config.taskQueue}-idle`;
    const runningId = `${jobId}-running`;
    const input = writeTicketsJsonl(stack.dir, 2, 'running.jsonl');
    const started = await cli(['run', '--input', input, '--model', 'gpt-4o-mini', '--prompt', '{{subject}}', '--job-id', runningId], { LONGHAUL_TASK_QUEUE: queue });
    try {
      expect(started.code).toBe(0);
      const refused = await cli(['reprocess', runningId], { LONGHAUL_TASK_QUEUE: queue });
      expectOneLineError(refused, 1, new RegExp(`^longhaul reprocess: job "${runningId}" is still running: reprocess it once it has ended \\(or cancel it first\\)$`));
    } finally {
      await stack.client.temporal.workflow.getHandle(jobWorkflowId(runningId)).terminate('test over').catch(() => undefined);
    }
  });
});
