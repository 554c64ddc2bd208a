import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectExactlyOnce, expectOneOutcomePerItem } from '../support/job-assertions';
import { spawnWorkerProcess, waitFor } from '../support/worker-process';

const ITEMS = 90;

describe('a worker killed with SIGKILL, a second worker taking over', () => {
  let stack: TestStack;
  beforeEach(async () => {
    stack = await startTestStack({ worker: false, scenario: { clock: { speed: 2000 } } });
  });
  afterEach(async () => {
    await stack?.stop();
  });

  function start(jobId: string) {
    return stack.client.start({
      jobId,
      dataset: { path: writeTicketsJsonl(stack.dir, ITEMS), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 30 },
      polling: { initialSeconds: 0.2, maxSeconds: 1 },
      timeouts: { heartbeatSeconds: 2, requestSeconds: 5 },
    });
  }

  it('mid-submit, after the provider created the batch but before the worker learned its id: no second batch', async () => {
    // the first create is accepted and never answered: the worker is stuck in it when it dies
    stack.emulator.setScenario({ createFaults: [{ response: 'hang', count: 1 }] });
    const first = spawnWorkerProcess(stack);
    await first.ready;
    const job = await start('crash-submit');
    await waitFor('the hung create', () => stack.emulator.inspect().createAttempts.find((a) => a.outcome === 'response_lost'));
    await first.kill9();
    const second = spawnWorkerProcess(stack);
    try {
      const report = await job.result();
      const lines = expectOneOutcomePerItem(report, ITEMS);
      expect(lines.every((l) => l.state === 'succeeded')).toBe(true);
      expectExactlyOnce(stack.emulator, 'crash-submit');
      expect(stack.emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_job === 'crash-submit')).toHaveLength(3);
    } finally {
      await second.stop();
    }
  });

  it('mid-collect, while downloading results: the next worker collects, nothing lost, nothing counted twice', async () => {
    stack.emulator.setScenario({ endpointFaults: [{ method: 'GET', path: '/v1/files/*/content', action: 'hang', count: 1 }] });
    const first = spawnWorkerProcess(stack);
    await first.ready;
    const job = await start('crash-collect');
    await waitFor('the hung download', () => stack.emulatorLog.some((l) => /^fault hang GET \/v1\/files\/.*\/content$/.test(l)));
    await first.kill9();
    const second = spawnWorkerProcess(stack);
    try {
      const report = await job.result();
      const lines = expectOneOutcomePerItem(report, ITEMS);
      expect(lines.every((l) => l.state === 'succeeded')).toBe(true);
      expect(report.tokens.in).toBeGreaterThan(0);
      expectExactlyOnce(stack.emulator, 'crash-collect');
    } finally {
      await second.stop();
    }
  });

  it('mid-realtime shard: the next worker resumes it without resending what already has a result', async () => {
    stack.emulator.setScenario({ sync: { latencyMs: 60 } });
    const first = spawnWorkerProcess(stack);
    await first.ready;
    const job = await stack.client.start({
      jobId: 'crash-realtime',
      dataset: { path: writeTicketsJsonl(stack.dir, ITEMS), idField: 'id' },
      model: 'gpt-4o-mini',
      mode: 'realtime',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      realtime: { requestsPerMinute: 60_000, concurrency: 2, chunkSize: 45 },
      limits: { shardsInFlight: 2 },
      timeouts: { heartbeatSeconds: 2, requestSeconds: 5 },
    });
    const sent = () => stack.emulator.inspect().syncRequests.filter((r) => r.endpoint === '/v1/chat/completions').reduce((n, r) => n + r.count, 0);
    await waitFor('a third of the requests sent', () => sent() >= ITEMS / 3);
    await first.kill9();
    const second = spawnWorkerProcess(stack);
    try {
      const report = await job.result();
      const lines = expectOneOutcomePerItem(report, ITEMS);
      expect(lines.every((l) => l.state === 'succeeded' && l.tier === 'realtime')).toBe(true);
      // resent at most what was in flight or not yet written when the worker died
      expect(sent()).toBeLessThanOrEqual(ITEMS + 25);
    } finally {
      await second.stop();
    }
  });
});
