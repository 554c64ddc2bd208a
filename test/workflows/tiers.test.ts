import type { StartSpec } from '../../src/client/start-spec';
import type { Scenario } from '../../src/emulator';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectOneOutcomePerItem } from '../support/job-assertions';
import path from 'node:path';

const CALM: Scenario = { requestFaults: {}, batchFaults: [], createFaults: [], endpointFaults: [], flex: {}, sync: {}, timing: {} };

describe('one spec on every provider and tier; deadlines; rate limits', () => {
  let stack: TestStack;
  let input: string;
  const ITEMS = 40;
  beforeAll(async () => {
    stack = await startTestStack({ scenario: { clock: { speed: 2000 } }, accounts: { keyless: { provider: 'openai', baseURL: 'http://127.0.0.1:9/v1', timeoutMs: 5000, flexTimeoutMs: 5000 } } });
    input = writeTicketsJsonl(path.join(stack.dir, 'tiers'), ITEMS);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const spec = (jobId: string, over: Partial<StartSpec> = {}): StartSpec => ({
    jobId,
    dataset: { path: input, idField: 'id' },
    model: 'gpt-4o-mini',
    prompt: TICKET_PROMPT,
    outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
    limits: { maxRequestsPerShard: 15 },
    polling: { initialSeconds: 0.2, maxSeconds: 0.5 },
    realtime: { requestsPerMinute: 60_000, concurrency: 4, chunkSize: 15 },
    timeouts: { heartbeatSeconds: 5, requestSeconds: 5 },
    // each tier answers for itself here, rather than from the first one's results
    reuseCachedAnswers: false,
    ...over,
  });

  async function run(jobId: string, over: Partial<StartSpec>, scenario: Scenario = {}) {
    stack.emulator.setScenario({ ...CALM, ...scenario });
    const job = await stack.client.start(spec(jobId, over));
    const report = await job.result();
    return { report, lines: expectOneOutcomePerItem(report, ITEMS) };
  }

  it('batch, flex and realtime on OpenAI, and Anthropic batch and realtime: results agree item by item', async () => {
    const batch = await run('tier-openai-batch', { mode: 'batch' });
    const flex = await run('tier-openai-flex', { mode: 'flex' });
    const realtime = await run('tier-openai-realtime', { mode: 'realtime' });
    const anthropic = await run('tier-anthropic-batch', { provider: 'anthropic', model: 'claude-haiku-4-5', mode: 'batch' });
    const anthropicRealtime = await run('tier-anthropic-realtime', { provider: 'anthropic', model: 'claude-haiku-4-5', mode: 'realtime' });
    for (const { report, lines } of [batch, flex, realtime, anthropic, anthropicRealtime]) expect({ job: report.jobId, bad: lines.filter((l) => l.state !== 'succeeded').slice(0, 2) }).toEqual({ job: report.jobId, bad: [] });
    const outputs = (lines: typeof batch.lines) => lines.map((l) => [l.id, JSON.stringify(l.output)]);
    // the same request answers the same on every tier of a provider
    expect(outputs(flex.lines)).toEqual(outputs(batch.lines));
    expect(outputs(realtime.lines)).toEqual(outputs(batch.lines));
    expect(outputs(anthropicRealtime.lines)).toEqual(outputs(anthropic.lines));
    expect(anthropic.lines.map((l) => l.id)).toEqual(batch.lines.map((l) => l.id));
    expect(Object.keys(flex.report.byTier)).toEqual(['flex']);
    expect(Object.keys(realtime.report.byTier)).toEqual(['realtime']);
    // flex is billed at the batch discount, realtime at the full price
    expect(realtime.report.cost.paidUsd).toBeGreaterThan(flex.report.cost.paidUsd * 1.9);
    const calls = stack.emulator.inspect().syncRequests.filter((r) => r.provider === 'openai' && r.endpoint === '/v1/chat/completions');
    expect(calls.find((r) => r.serviceTier === 'flex')?.count).toBeGreaterThanOrEqual(ITEMS);
  });

  it('auto picks realtime for a small job', async () => {
    const { report } = await run('tier-auto-small', { mode: 'auto', prompt: { messages: [{ role: 'user', content: 'Classify: {{subject}}' }] } });
    expect(Object.keys(report.byTier)).toEqual(['realtime']);
  });

  it('deadline fallback: a stalled batch is cancelled before the deadline and its items finish on flex', async () => {
    const deadline = new Date(Date.now() + 40_000).toISOString();
    const started = Date.now();
    const { report, lines } = await run(
      'tier-deadline',
      { deadline, fallback: { marginMinutes: 0.4, expectedBatchHours: 0.001 }, prompt: { messages: [{ role: 'user', content: 'Triage: {{subject}}' }] } },
      { batchFaults: [{ kind: 'stall', atFraction: 0.3, forever: true }] },
    );
    expect(Date.now()).toBeLessThan(Date.parse(deadline));
    expect(Date.now() - started).toBeGreaterThan(10_000); // it did wait for the batches first
    expect(lines.every((l) => l.state === 'succeeded')).toBe(true);
    expect(report.byTier.flex?.items).toBeGreaterThan(0);
    expect(report.byTier.batch?.items ?? 0).toBeGreaterThan(0); // the partial results of the cancelled batches
    const batches = stack.emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_job === 'tier-deadline');
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((b) => b.status === 'cancelled')).toBe(true);
  });

  it('realtime honours 429 Retry-After; flex without capacity moves to the standard tier', async () => {
    const started = Date.now();
    const limited = await run('tier-rate-limited', { mode: 'realtime', prompt: { messages: [{ role: 'user', content: 'Rate: {{subject}}' }] } }, {
      endpointFaults: [{ method: 'POST', path: '/v1/chat/completions', status: 429, code: 'rate_limit_exceeded', retryAfterSeconds: 1.5, count: 2 }],
    });
    expect(limited.lines.every((l) => l.state === 'succeeded')).toBe(true);
    expect(Date.now() - started).toBeGreaterThan(1500);
    const flex = await run('tier-flex-unavailable', { mode: 'flex', prompt: { messages: [{ role: 'user', content: 'Flex: {{subject}}' }] } }, { flex: { unavailableRate: 0.6, retryAfterSeconds: 0.1 } });
    expect(flex.lines.every((l) => l.state === 'succeeded')).toBe(true);
    expect(flex.report.byTier.realtime?.items).toBeGreaterThan(0);
    expect(flex.report.byTier.flex?.items).toBeGreaterThan(0);
  });

  it('bad configuration fails at start, before anything is submitted', async () => {
    await expect(stack.client.start(spec('bad-model', { model: 'no-such-model' }))).rejects.toThrow('model: unknown model "no-such-model"');
    await expect(stack.client.start(spec('bad-mode', { provider: 'anthropic', model: 'claude-haiku-4-5', mode: 'flex' }))).rejects.toThrow('mode: anthropic cannot serve mode "flex"');
    await expect(stack.client.start(spec('bad-endpoint', { provider: 'anthropic', model: 'claude-haiku-4-5', endpoint: '/v1/embeddings' }))).rejects.toThrow('endpoint: anthropic does not serve /v1/embeddings');
    const uploadsBefore = stack.emulator.inspect().createAttempts.length;
    const keyless = await stack.client.start(spec('bad-key', { account: 'keyless' }));
    await expect(keyless.result()).rejects.toThrow();
    const described = await keyless.describe();
    expect(described.status.name).toBe('FAILED');
    const history = await stack.client.temporal.workflow.getHandle(keyless.workflowId).fetchHistory();
    const failure = JSON.stringify(history.events?.at(-1));
    expect(failure).toContain('has no API key');
    expect(stack.emulator.inspect().createAttempts.length).toBe(uploadsBefore);
  });
});
