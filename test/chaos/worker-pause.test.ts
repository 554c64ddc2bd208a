import OpenAI from 'openai';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectExactlyOnce, expectOneOutcomePerItem } from '../support/job-assertions';
import { spawnWorkerProcess, waitFor, type WorkerProcess } from '../support/worker-process';

const ITEMS = 60;

/**
 * A worker that is paused, not killed (a long GC pause, a suspended VM, a worker cut off from Temporal but not
 * from the provider): Temporal gives its step to another worker, and the paused one later carries on as if
 * nothing happened. Its submit must not create a second batch, nor overwrite the batch the other recorded.
 */
describe('a worker paused with SIGSTOP in the middle of a submit, a second worker taking over', () => {
  let stack: TestStack;
  const workers: WorkerProcess[] = [];
  beforeEach(async () => {
    stack = await startTestStack({ worker: false, scenario: { clock: { speed: 2000 } } });
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop();
    await stack?.stop();
  });

  it('the paused attempt stops at its fence when it resumes: one batch per shard, its upload deleted, every item once', async () => {
    // the first two uploads (one per shard) take 6 s: the worker is frozen in them, and wakes with their answers
    // after the takeover. Frozen in both, it holds no write lock on the result store (a worker frozen mid-transaction
    // would hold every other worker's writes until it resumes, a limit of the embedded single-file store)
    stack.emulator.setScenario({ endpointFaults: [{ method: 'POST', path: '/v1/files', action: 'delay', delayMs: 6_000, count: 2 }] });
    const first = spawnWorkerProcess(stack);
    workers.push(first);
    await first.ready;
    const job = await stack.client.start({
      jobId: 'paused-submit',
      dataset: { path: writeTicketsJsonl(stack.dir, ITEMS), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 30, shardsInFlight: 2 },
      polling: { initialSeconds: 0.2, maxSeconds: 1 },
      timeouts: { heartbeatSeconds: 2, requestSeconds: 5 },
    });
    await waitFor('both slow uploads', () => stack.emulatorLog.filter((l) => l === 'fault delay POST /v1/files').length === 2);
    first.pause();
    const second = spawnWorkerProcess(stack);
    workers.push(second);
    await second.ready;
    const tagged = () => stack.emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_job === 'paused-submit');
    await waitFor('both shards submitted by the second worker', () => tagged().length === 2, 120_000).catch((err) => {
      console.log(stack.emulatorLog.slice(-40).join('\n'), '\n--- second worker:\n', second.output().slice(-3000));
      throw err;
    });
    await new Promise((resolve) => setTimeout(resolve, 6_000)); // the frozen upload has its answer waiting by now
    first.resume();
    const report = await job.result();
    const lines = expectOneOutcomePerItem(report, ITEMS);
    expect(lines.every((l) => l.state === 'succeeded')).toBe(true);
    expectExactlyOnce(stack.emulator, 'paused-submit');
    expect(tagged()).toHaveLength(2);
    expect(report.integrity?.strayBatches.count).toBe(0);
    // the frozen attempts deleted their uploads when they found their claims taken: only the two batches' inputs remain
    const files = new OpenAI({ apiKey: 'test', baseURL: stack.emulator.openaiBaseURL, maxRetries: 0 });
    const uploads = async () => (await files.files.list()).data.filter((f) => f.purpose === 'batch').length;
    const deadline = Date.now() + 30_000;
    while ((await uploads()) !== 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await uploads()).toBe(2);
  });
});
