import { DEFAULT_OUTPUT_TOKENS, outputTokensPerItem, schemaAnswerChars } from '../../src/report/output-tokens';
import { estimatePlan, type PlanInput } from '../../src/report/plan-estimate';
import { PROVIDER_CAPABILITIES, PROVIDER_LIMITS } from '../../src/providers/provider-limits';
import { PriceTable } from '../../src/report/price-table';
import { parseDuration } from '../../src/cli/cli-flags';
import { TICKET_SCHEMA } from '../support/datasets';
import { runCli } from './cli-process';

const prices = new PriceTable();
const HOUR = 3600;

function input(overrides: Omit<Partial<PlanInput>, 'spec'> & { items?: number; spec?: Partial<PlanInput['spec']> } = {}): PlanInput {
  const items = overrides.items ?? 3000;
  const { spec, items: _items, ...rest } = overrides;
  return {
    spec: {
      endpoint: '/v1/chat/completions',
      params: {},
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestBytes: 1 << 20, shardsInFlight: 4, quotaRetrySeconds: 60 },
      ...spec,
    },
    scan: { items, badRows: 0, promptTokens: items * 150, requestBytes: items * 900 },
    price: prices.priceOf('gpt-4o-mini'),
    limits: PROVIDER_LIMITS.openai,
    capabilities: PROVIDER_CAPABILITIES.openai,
    now: new Date('2026-11-28T12:00:00Z'),
    ...rest,
  };
}

describe('output tokens per item', () => {
  it('sizes a typical answer from the schema: enums by their longest value, strings at half their maxLength', () => {
    // {"category":"performance","urgency":4,"summary":"<100 chars>"} with keys and punctuation
    expect(schemaAnswerChars(TICKET_SCHEMA)).toBe(2 + (8 + 4 + 13) + (7 + 4 + 4) + (7 + 4 + 102));
    expect(outputTokensPerItem({ endpoint: '/v1/chat/completions', params: {}, outputSchema: { name: 't', schema: TICKET_SCHEMA } })).toEqual({ tokens: 57, source: 'schema' });
  });

  it('uses max_tokens without a schema (capping the schema estimate with one), a default otherwise, none for embeddings', () => {
    const chat = { endpoint: '/v1/chat/completions' as const };
    expect(outputTokensPerItem({ ...chat, params: { max_tokens: 40 }, outputSchema: { name: 't', schema: TICKET_SCHEMA } })).toEqual({ tokens: 40, source: 'schema' });
    expect(outputTokensPerItem({ ...chat, params: { max_completion_tokens: 900 } })).toEqual({ tokens: 900, source: 'max_tokens' });
    expect(outputTokensPerItem({ ...chat, params: {} })).toEqual({ tokens: DEFAULT_OUTPUT_TOKENS, source: 'default' });
    expect(outputTokensPerItem({ endpoint: '/v1/embeddings', params: { max_tokens: 5 } })).toEqual({ tokens: 0, source: 'none' });
    expect(schemaAnswerChars({ type: 'array', items: { type: 'integer' }, maxItems: 2 })).toBe(2 + 2 * 5);
    expect(schemaAnswerChars({ anyOf: [{ type: 'string' }, { type: 'object', properties: { a: { type: 'boolean' } } }] })).toBe(80);
  });
});

describe('estimatePlan', () => {
  it('prices each mode with the model\'s factors and counts batches by the shard limits', () => {
    const plan = estimatePlan(input({ spec: { limits: { maxRequestBytes: 1 << 20, shardsInFlight: 4, quotaRetrySeconds: 60, maxRequestsPerShard: 500 } } }));
    expect(plan).toMatchObject({ items: 3000, requests: 3000, batches: 6, priceKnown: true, tokens: { in: 450_000, out: 171_000, outPerItem: 57, outSource: 'schema' } });
    const realtime = (450_000 * 0.15 + 171_000 * 0.6) / 1e6;
    const byMode = Object.fromEntries(plan.modes.map((m) => [m.mode, m]));
    expect(byMode.realtime!.costUsd).toBeCloseTo(realtime, 10);
    expect(byMode.batch!.costUsd).toBeCloseTo(realtime / 2, 10);
    expect(byMode.flex!.costUsd).toBeCloseTo(realtime / 2, 10);
    // 6 batches, 4 in flight: 2 waves of the provider's usual 6 h, at worst 2 x 24 h
    expect(byMode.batch).toMatchObject({ expectedSeconds: 12 * HOUR, worstSeconds: 48 * HOUR, fits: 'unknown' });
    // 3,000 requests at 500/min (6 min) and 621k tokens at 200k/min (3.1 min): the request rate binds
    expect(byMode.realtime!.expectedSeconds).toBeCloseTo(6 * 60, 6);
    const tokenBound = estimatePlan(input({ scan: { items: 3000, badRows: 0, promptTokens: 3000 * 1000, requestBytes: 3000 * 5000 } }));
    expect(tokenBound.modes.find((m) => m.mode === 'realtime')!.expectedSeconds).toBeCloseTo(((3_000_000 + 171_000) / 200_000) * 60, 6);
    expect(byMode.flex!.expectedSeconds).toBeCloseTo(byMode.realtime!.expectedSeconds * 2, 6);
  });

  it('recommends the cheapest mode that fits, and among equally cheap ones the surer and faster', () => {
    // small job, no limit: flex and batch cost the same, flex is done in minutes
    expect(estimatePlan(input()).recommendation.mode).toBe('flex');
    // a big job: flex at half the realtime rate would take days; batch waves are faster
    const big = estimatePlan(input({ items: 2_000_000 }));
    expect(big.recommendation.mode).toBe('batch');
    // within 2 h: batch (6 h expected) does not fit; flex does
    const soon = estimatePlan(input({ items: 2000, withinSeconds: 2 * HOUR }));
    expect(soon.modes.find((m) => m.mode === 'batch')!.fits).toBe('no');
    expect(soon.recommendation).toEqual({ mode: 'flex', reason: expect.stringMatching(/^the cheapest mode that fits within 2h00m: \$0\.\d+, 50% of the realtime price, expected \d+m\d+s$/) });
  });

  it('takes the tighter of --within and the spec deadline, and falls back to the fastest when nothing fits', () => {
    const deadline = estimatePlan(input({ items: 500_000, withinSeconds: 48 * HOUR, spec: { deadline: '2026-11-28T12:30:00Z' } }));
    expect(deadline.toleranceSeconds).toBe(1800);
    expect(deadline.modes.every((m) => m.fits === 'no')).toBe(true);
    expect(deadline.recommendation.mode).toBe('realtime');
    expect(deadline.recommendation.reason).toMatch(/^no mode finishes within 30m00s; realtime is the fastest/);
  });

  it('skips modes the provider does not offer, and compares by the usual discounts when the price is unknown', () => {
    const anthropic = estimatePlan(input({ limits: PROVIDER_LIMITS.anthropic, capabilities: PROVIDER_CAPABILITIES.anthropic, price: undefined, withinSeconds: 3 * HOUR }));
    const flex = anthropic.modes.find((m) => m.mode === 'flex')!;
    expect(flex).toMatchObject({ available: false, costUsd: undefined, fits: 'no', basis: 'not offered by this provider' });
    expect(anthropic.priceKnown).toBe(false);
    // anthropic batches usually take 1 h: batch fits "likely" (its 24 h window does not), and is cheapest
    expect(anthropic.modes.find((m) => m.mode === 'batch')!.fits).toBe('likely');
    expect(anthropic.recommendation.mode).toBe('batch');
    expect(anthropic.recommendation.reason).toContain('its worst case (24h00m) does not fit');
  });

  it('reports rows that cannot become requests and plans only the rest', () => {
    const plan = estimatePlan(input({ scan: { items: 100, badRows: 10, promptTokens: 90 * 150, requestBytes: 90 * 900 } }));
    expect(plan).toMatchObject({ items: 100, badRows: 10, requests: 90, batches: 1, tokens: { out: 90 * 57 } });
  });
});

describe('--within durations', () => {
  it('reads seconds, minutes, hours and days', () => {
    expect([parseDuration('90'), parseDuration('90s'), parseDuration('45m'), parseDuration('2h'), parseDuration('1.5d')]).toEqual([90, 90, 2700, 7200, 129_600]);
    expect([parseDuration('soon'), parseDuration('0h'), parseDuration('-2h')]).toEqual([undefined, undefined, undefined]);
  });
});

describe('longhaul plan', () => {
  it('streams the example dataset and prints the plan as JSON, spending nothing', async () => {
    const run = await runCli(['plan', 'examples/support-tickets/spec.json', '--within', '2h', '--json']);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', items: 3000, requests: 3000, batches: 6, toleranceSeconds: 7200 });
    expect(plan.tokens.in).toBeGreaterThan(3000 * 50);
    expect(plan.recommendation.mode).toBe('flex');
    const text = await runCli(['plan', '--input', 'examples/support-tickets/tickets.jsonl', '--model', 'gpt-4o-mini', '--prompt', '{{subject}}', '--rpm', '10']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^\s+realtime\s+\$\d+\.\d+\s+5h00m\s+7h30m\s+at 10 requests\/min/m);
    expect(text.stdout).toMatch(/^Recommended: /m);
  });
});
