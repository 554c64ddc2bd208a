import type { Scenario } from '../../src/emulator';
import type { StartSpec } from '../../src/client/start-spec';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectExactlyOnce, expectOneOutcomePerItem } from '../support/job-assertions';

/** Every scenario section at its default: no faults. */
const CALM: Scenario = {
  requestFaults: {},
  batchFaults: [],
  createFaults: [],
  retrieveNotFoundSeconds: 0,
  quotas: {},
  endpointFaults: [],
  timing: {},
};

describe('the engine under every emulator fault (real Temporal, real HTTP)', () => {
  let stack: TestStack;
  let input: string;
  const ITEMS = 120;

  beforeAll(async () => {
    stack = await startTestStack({ scenario: { clock: { speed: 2000 } } });
    input = writeTicketsJsonl(stack.dir, ITEMS);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function run(jobId: string, scenario: Scenario, overrides: Partial<StartSpec> = {}) {
    stack.emulator.setScenario({ ...CALM, ...scenario });
    const job = await stack.client.start({
      jobId,
      dataset: { path: input, idField: 'id' },
      model: 'gpt-4o-mini',
      // a prompt of its own per job: otherwise later jobs are answered from the cache of earlier ones
      prompt: { messages: [{ role: 'system', content: `${TICKET_PROMPT.messages[0]!.content} [${jobId}]` }, TICKET_PROMPT.messages[1]!] },
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 40, quotaRetrySeconds: 0.5 },
      retry: { maxRounds: 4 },
      polling: { initialSeconds: 0.2, maxSeconds: 1 },
      timeouts: { heartbeatSeconds: 5, requestSeconds: 5 },
      ...overrides,
    });
    const report = await job.result();
    if (process.env.DEBUG_FAULTS) console.log(JSON.stringify(report, null, 1));
    const lines = expectOneOutcomePerItem(report, ITEMS);
    expectExactlyOnce(stack.emulator, jobId);
    return { report, lines };
  }

  it('per-request 4xx, 5xx, 429 and schema-breaking answers: retries in rounds, repairs, fails only what cannot pass', async () => {
    const { report, lines } = await run('faults-requests', {
      requestFaults: { invalidRequestRate: 0.05, serverErrorRate: 0.1, rateLimitRate: 0.1, brokenSchemaRate: 0.1 },
    });
    expect(report.rounds).toBeGreaterThan(1);
    const failed = lines.filter((l) => l.state === 'failed');
    expect(failed.length).toBeGreaterThan(0);
    // what cannot pass (invalid requests) fails at once; the rest only when every round failed it
    for (const line of failed) {
      if (line.error?.reason !== 'invalid_request') expect(line.error?.message).toMatch(/^retries exhausted: /);
    }
    expect(failed.filter((l) => l.error?.reason === 'invalid_request').length).toBeGreaterThan(0);
    expect(report.counts.succeeded).toBe(ITEMS - failed.length);
    expect(lines.filter((l) => l.state === 'succeeded' && l.round > 0).length).toBeGreaterThan(0);
  });

  it('a batch that fails validation: its items go to the next round', async () => {
    const { report } = await run('faults-validation', { batchFaults: [{ kind: 'fail_validation', count: 1 }] });
    expect(report.counts.succeeded).toBe(ITEMS);
    expect(report.rounds).toBe(2);
  });

  it('a batch that expires part-way: partial results kept, the rest retried', async () => {
    const { report, lines } = await run('faults-expiry', { batchFaults: [{ kind: 'expire', atFraction: 0.5, count: 1 }], timing: { completionWindowSeconds: 2000 } });
    expect(report.counts.succeeded).toBe(ITEMS);
    const firstRound = lines.filter((l) => l.round === 0).length;
    expect(firstRound).toBeGreaterThan(ITEMS - 40);
    expect(firstRound).toBeLessThan(ITEMS);
  });

  it('a stalled batch: expires at the end of its window, its items retried', async () => {
    const { report } = await run('faults-stall', { batchFaults: [{ kind: 'stall', atFraction: 0.2, count: 1 }], timing: { completionWindowSeconds: 3000 } });
    expect(report.counts.succeeded).toBe(ITEMS);
    expect(report.rounds).toBe(2);
  });

  it('a batch that never ends (stalled for good): past its expiry plus grace it is cancelled, what it finished kept, the rest retried; the ETA never promises seconds meanwhile', async () => {
    let sawOverdue = false;
    let etaWhileOverdue: number | undefined;
    const watching = setInterval(() => {
      stack.client.job('faults-stuck').progress().then((p) => {
        if (p.overdueShards) {
          sawOverdue = true;
          etaWhileOverdue ??= p.etaSeconds;
        }
      }, () => undefined);
    }, 100);
    try {
      const { report, lines } = await run(
        'faults-stuck',
        { batchFaults: [{ kind: 'stall', atFraction: 0.5, forever: true, count: 1 }], timing: { completionWindowSeconds: 3000 } },
        // the grace is on the provider's clock, the wall clock: 0.9 s is what 30 emulated minutes last at 2000x
        { polling: { initialSeconds: 0.2, maxSeconds: 0.5, expiryGraceMinutes: 0.015 } },
      );
      expect(report.counts.succeeded).toBe(ITEMS);
      expect(report.rounds).toBe(2);
      expect(lines.filter((l) => l.round === 1).length).toBeGreaterThanOrEqual(20); // the half the stuck batch never ran
      const stuck = stack.emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_job === 'faults-stuck' && b.status === 'cancelled');
      expect(stuck).toHaveLength(1);
    } finally {
      clearInterval(watching);
    }
    expect(sawOverdue).toBe(true);
    expect(etaWhileOverdue).toBeUndefined();
  });

  it('create accepted but the response lost (500 and dropped connection): reconciled, never created twice', async () => {
    const { report } = await run('faults-lost-create', {
      createFaults: [{ response: 'status_500', count: 1 }, { response: 'close', count: 1 }],
    });
    expect(report.counts.succeeded).toBe(ITEMS);
    const lost = stack.emulator.inspect().createAttempts.filter((a) => a.outcome === 'response_lost' && a.metadata?.longhaul_job === 'faults-lost-create');
    expect(lost).toHaveLength(2);
  });

  it('Anthropic (no batch metadata): four same-size shards, two create responses lost (dropped connection, 500): four batches, not six', async () => {
    const before = stack.emulator.inspect().batches.anthropic.length;
    const { report } = await run(
      'faults-lost-create-anthropic',
      { createFaults: [{ response: 'close', provider: 'anthropic', count: 1 }, { response: 'status_500', provider: 'anthropic', count: 1 }] },
      { provider: 'anthropic', model: 'claude-haiku-4-5', limits: { maxRequestsPerShard: 30, shardsInFlight: 4 } },
    );
    expect(report.counts.succeeded).toBe(ITEMS);
    const lost = stack.emulator.inspect().createAttempts.filter((a) => a.provider === 'anthropic' && a.outcome === 'response_lost');
    expect(lost).toHaveLength(2);
    expect(stack.emulator.inspect().batches.anthropic.length - before).toBe(4);
    expect(report.integrity?.strayBatches.count).toBe(0);
    expect(Object.values(stack.emulator.inspect().submissions.byBatch).length).toBeGreaterThan(0);
  });

  it('404 on a batch shortly after create: polling carries on', async () => {
    const { report } = await run('faults-404', { retrieveNotFoundSeconds: 1500 });
    expect(report.counts.succeeded).toBe(ITEMS);
  });

  it('enqueued-token quota exceeded on create: waits for room and retries instead of failing', async () => {
    const { report } = await run(
      'faults-quota',
      { quotas: { openaiEnqueuedTokens: { 'gpt-4o-mini': 3_000 }, openaiOnExceeded: 'reject_400' } },
      { limits: { maxRequestsPerShard: 40, shardsInFlight: 3, quotaRetrySeconds: 0.5 } },
    );
    expect(report.counts.succeeded).toBe(ITEMS);
    const refused = stack.emulator.inspect().createAttempts.filter((a) => a.outcome === 'quota_exceeded');
    expect(refused.length).toBeGreaterThan(0);
  });

  it('enqueued-token quota exceeded after create (the batch fails token_limit_exceeded): the shard creates it again later, no retry round spent', async () => {
    const { report } = await run(
      'faults-quota-failed',
      { quotas: { openaiEnqueuedTokens: { 'gpt-4o-mini': 3_000 }, openaiOnExceeded: 'fail_batch' } },
      { limits: { maxRequestsPerShard: 40, shardsInFlight: 3, quotaRetrySeconds: 0.5 } },
    );
    expect(report.counts.succeeded).toBe(ITEMS);
    expect(report.rounds).toBe(1);
    const batches = stack.emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_job === 'faults-quota-failed');
    expect(batches.filter((b) => b.status === 'failed').length).toBeGreaterThan(0);
    expect(batches.some((b) => /~q\d+$/.test(b.metadata!.longhaul_shard!))).toBe(true);
  });

  it('errors and timeouts on endpoints (upload, status, download): retried by Temporal', async () => {
    const { report } = await run('faults-endpoints', {
      endpointFaults: [
        { method: 'POST', path: '/v1/files', status: 503, count: 2 },
        { method: 'GET', path: '/v1/batches/*', status: 500, count: 3 },
        { method: 'GET', path: '/v1/files/*/content', action: 'close', count: 1 },
        { method: 'GET', path: '/v1/files/*/content', action: 'hang', count: 1 },
      ],
    });
    expect(report.counts.succeeded).toBe(ITEMS);
  });
});
