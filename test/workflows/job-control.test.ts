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

  it('a Temporal-level cancel (the UI button) ends the job as the cancel signal does; its report and results stay readable', async () => {
    stack.emulator.setScenario({ clock: { speed: 100 }, timing: { cancellingSeconds: 200 } });
    const input = writeTicketsJsonl(path.join(stack.dir, 'temporal-cancel'), 100);
    const job = await stack.client.start(spec('temporal-cancel', input, { limits: { maxRequestsPerShard: 25, shardsInFlight: 2 } }));
    await waitFor('two batches in progress', () => stack.emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_job === 'temporal-cancel' && b.status === 'in_progress').length === 2);
    const handle = stack.client.temporal.workflow.getHandle(job.workflowId);
    await handle.cancel();
    const report = await job.result(); // the run has no result: the report comes from storage
    stack.emulator.setScenario({ clock: { speed: 2000 }, timing: {} });
    expect(report.status).toBe('cancelled');
    expect((await job.describe()).status.name).toBe('CANCELLED');
    expectOneOutcomePerItem(report, 100);
    expect(report.counts.cancelled).toBeGreaterThanOrEqual(50);
    const batches = stack.emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_job === 'temporal-cancel');
    expect(batches.every((b) => b.status === 'cancelled')).toBe(true);
    const { events } = await handle.fetchHistory();
    expect(events!.filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]); // no task failed on the way
    const results: string[] = [];
    for await (const line of job.results()) results.push(line.state);
    expect(results).toHaveLength(100);
  });

  it('a cancel ends a job whose collect keeps failing (downloads hang): what was not collected ends cancelled', async () => {
    stack.emulator.setScenario({ clock: { speed: 2000 }, endpointFaults: [{ method: 'GET', path: '/v1/files/*/content', action: 'hang' }] });
    const input = writeTicketsJsonl(path.join(stack.dir, 'stuck-collect'), 30);
    const job = await stack.client.start(spec('stuck-collect', input, { limits: { maxRequestsPerShard: 30 }, timeouts: { heartbeatSeconds: 2, requestSeconds: 5 } }));
    await waitFor('a download to hang', () => stack.emulatorLog.some((l) => /^fault hang GET \/v1\/files\/.*\/content$/.test(l)), 60_000);
    await job.cancel('collect is stuck');
    const report = await job.result();
    stack.emulator.setScenario({ endpointFaults: [] });
    expect(report.status).toBe('cancelled');
    expectOneOutcomePerItem(report, 30);
    expect(report.counts.cancelled + report.counts.failed).toBe(30);
  });

  it('reprocess after the dataset file was edited is refused, naming both hashes; the job keeps its report and results', async () => {
    const input = writeTicketsJsonl(path.join(stack.dir, 'edited'), 10);
    const job = await stack.client.start(spec('edited', input));
    const first = await job.result();
    expect(first.counts.succeeded).toBe(10);
    const original = readFileSync(input, 'utf8');
    writeFileSync(input, JSON.stringify(ticket(99)) + '\n' + original); // a row inserted at the top
    const refused = await job.reprocess({ all: true }).then(() => undefined, (err: Error) => err);
    expect(refused?.name).toBe('ReprocessRejectedError');
    expect(refused?.message).toMatch(/changed since it first ran: .*edited.* sha256 [0-9a-f]{64}, and is now .* sha256 [0-9a-f]{64}/);
    const kept = await job.result();
    expect(kept).toMatchObject({ generation: 0, counts: { succeeded: 10 } });
    expectOneOutcomePerItem(kept, 10);
    writeFileSync(input, original); // the same file again: reprocess goes ahead
    expect(await job.reprocess({ all: true })).toMatchObject({ generation: 1, cached: 10 });
    await job.result();
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
