import type { ProviderCapabilities, ProviderLimits } from '../providers/batch-provider';
import { BATCH_BYTES_MARGIN } from '../providers/provider-limits';
import type { ResolvedJobSpec } from '../spec/job-spec';
import { outputTokensPerItem, type OutputTokenSource } from './output-tokens';
import type { ModelPrice } from './price-table';
import { formatDuration, formatUsd } from './value-format';

/** What streaming the dataset found (see plan-scan.ts). */
export interface DatasetScan {
  /** Items in the dataset. */
  items: number;
  /** Items that cannot become requests (unparseable rows, missing fields): they would fail as bad_row. */
  badRows: number;
  /** Estimated prompt tokens of all requests (TokenEstimator). */
  promptTokens: number;
  /** Approximate bytes of all request lines (for the per-file limits). */
  requestBytes: number;
}

/** Synchronous throughput: whichever of the two limits binds first. */
export interface ThroughputRate {
  requestsPerMinute: number;
  tokensPerMinute: number;
}

/** Realtime rate assumed when none is given: a modest paid tier (OpenAI tier 1 for small models). */
export const DEFAULT_REALTIME_RATE: ThroughputRate = { requestsPerMinute: 500, tokensPerMinute: 200_000 };
/** Flex is served from spare capacity: assumed to run at half the realtime rate unless told otherwise. */
export const FLEX_RATE_FACTOR = 0.5;
/** Worst case over expected for synchronous modes (rate-limit waits, retries; flex capacity refusals). */
const SYNC_WORST_FACTOR = { realtime: 1.5, flex: 2 } as const;
/** Price factors when the model has no price: the usual discounts, so modes still compare. */
const DEFAULT_FACTORS = { batch: 0.5, flex: 0.5, realtime: 1 } as const;

export type PlanMode = 'batch' | 'flex' | 'realtime';

export interface PlanInput {
  spec: Pick<ResolvedJobSpec, 'endpoint' | 'params' | 'outputSchema' | 'limits' | 'deadline'>;
  scan: DatasetScan;
  /** The model's price; undefined when the price table does not know it (costs are then unknown). */
  price: ModelPrice | undefined;
  limits: Pick<ProviderLimits, 'maxRequestsPerBatch' | 'maxBytesPerBatch' | 'expectedCompletionHours' | 'completionWindowHours'>;
  capabilities: Pick<ProviderCapabilities, 'batch' | 'flex' | 'realtime'>;
  realtimeRate?: ThroughputRate;
  /** Default: the realtime rate times FLEX_RATE_FACTOR. */
  flexRate?: ThroughputRate;
  /** Latency tolerance in seconds (`--within`). */
  withinSeconds?: number;
  now?: Date;
}

/** Whether a mode finishes in time: surely (worst case fits), likely (expected fits), no; unknown without a limit. */
export type Fit = 'yes' | 'likely' | 'no' | 'unknown';

export interface ModeEstimate {
  mode: PlanMode;
  available: boolean;
  /** USD; undefined when the price is unknown or the mode unavailable. */
  costUsd: number | undefined;
  /** Fraction of the realtime price. */
  priceFactor: number;
  expectedSeconds: number;
  worstSeconds: number;
  fits: Fit;
  /** How the time was derived, for people. */
  basis: string;
}

export interface PlanEstimate {
  items: number;
  requests: number;
  badRows: number;
  tokens: { in: number; out: number; outPerItem: number; outSource: OutputTokenSource };
  /** Provider batches the job would need (round 0). */
  batches: number;
  priceKnown: boolean;
  /** The tightest of --within and the spec's deadline, in seconds from now. */
  toleranceSeconds?: number;
  modes: ModeEstimate[];
  recommendation: { mode: PlanMode; reason: string };
}

function batchCount(input: PlanInput, requests: number): number {
  if (requests === 0) return 0;
  const { limits, spec, scan } = input;
  const perBatch = Math.min(spec.limits.maxRequestsPerShard ?? Infinity, limits.maxRequestsPerBatch);
  const bytesPerBatch = Math.min(spec.limits.maxBytesPerShard ?? Infinity, Math.floor(limits.maxBytesPerBatch * BATCH_BYTES_MARGIN));
  const byTokens = spec.limits.maxTokensPerShard ? Math.ceil(scan.promptTokens / spec.limits.maxTokensPerShard) : 1;
  return Math.max(Math.ceil(requests / perBatch), Math.ceil(scan.requestBytes / bytesPerBatch), byTokens, 1);
}

function cost(price: ModelPrice | undefined, factor: number, tokensIn: number, tokensOut: number): number | undefined {
  if (!price) return undefined;
  return ((tokensIn * price.inputPerMTok + tokensOut * price.outputPerMTok) / 1_000_000) * factor;
}

function fitOf(expected: number, worst: number, tolerance: number | undefined): Fit {
  if (tolerance === undefined) return 'unknown';
  if (worst <= tolerance) return 'yes';
  return expected <= tolerance ? 'likely' : 'no';
}

function syncSeconds(rate: ThroughputRate, requests: number, tokens: number): number {
  return Math.max(requests / rate.requestsPerMinute, tokens / rate.tokensPerMinute) * 60;
}

function toleranceOf(input: PlanInput): number | undefined {
  const limits: number[] = [];
  if (input.withinSeconds !== undefined) limits.push(input.withinSeconds);
  if (input.spec.deadline) limits.push(Math.max(0, (Date.parse(input.spec.deadline) - (input.now ?? new Date()).getTime()) / 1000));
  return limits.length > 0 ? Math.min(...limits) : undefined;
}

/**
 * Estimates tokens, cost and time of a job in each mode and recommends one, before anything is spent.
 * Batch time: the batches run `limits.shardsInFlight` at a time (and within `enqueuedTokenBudget`); each wave
 * takes the provider's usual completion time, at worst its window. Realtime and flex time: the request and
 * token rates, whichever binds. Recommendation: the cheapest available mode that fits the tolerance (the
 * tighter of `withinSeconds` and the spec's deadline), preferring a sure fit, then the faster; with nothing
 * fitting, the fastest. Pure: same input, same plan.
 */
export function estimatePlan(input: PlanInput): PlanEstimate {
  const { scan, spec, limits, capabilities, price } = input;
  const requests = scan.items - scan.badRows;
  const out = outputTokensPerItem(spec);
  const tokensIn = scan.promptTokens;
  const tokensOut = out.tokens * requests;
  const batches = batchCount(input, requests);
  const tolerance = toleranceOf(input);
  const factors = price ? { batch: price.batchFactor, flex: price.flexFactor, realtime: 1 } : DEFAULT_FACTORS;

  const inFlight = spec.limits.shardsInFlight;
  const budgetWaves = spec.limits.enqueuedTokenBudget ? Math.ceil(tokensIn / spec.limits.enqueuedTokenBudget) : 1;
  const waves = batches === 0 ? 0 : Math.max(Math.ceil(batches / inFlight), budgetWaves);
  const batchExpected = waves * limits.expectedCompletionHours * 3600;
  const batchWorst = waves * limits.completionWindowHours * 3600;
  const realtimeRate = input.realtimeRate ?? DEFAULT_REALTIME_RATE;
  const flexRate = input.flexRate ?? { requestsPerMinute: realtimeRate.requestsPerMinute * FLEX_RATE_FACTOR, tokensPerMinute: realtimeRate.tokensPerMinute * FLEX_RATE_FACTOR };
  const rateText = (r: ThroughputRate) => `${r.requestsPerMinute} requests/min, ${r.tokensPerMinute.toLocaleString('en-US')} tokens/min`;

  const mode = (m: PlanMode, available: boolean, expected: number, worst: number, basis: string): ModeEstimate => ({
    mode: m,
    available,
    costUsd: available ? cost(price, factors[m], tokensIn, tokensOut) : undefined,
    priceFactor: factors[m],
    expectedSeconds: expected,
    worstSeconds: worst,
    fits: available ? fitOf(expected, worst, tolerance) : 'no',
    basis: available ? basis : 'not offered by this provider',
  });
  const realtimeSeconds = syncSeconds(realtimeRate, requests, tokensIn + tokensOut);
  const flexSeconds = syncSeconds(flexRate, requests, tokensIn + tokensOut);
  const modes = [
    mode('batch', capabilities.batch, batchExpected, batchWorst,
      `${batches} batch${batches === 1 ? '' : 'es'}, ${inFlight} in flight: ${waves} wave${waves === 1 ? '' : 's'} of ~${limits.expectedCompletionHours}h (window ${limits.completionWindowHours}h)`),
    mode('flex', capabilities.flex, flexSeconds, flexSeconds * SYNC_WORST_FACTOR.flex, `at ${rateText(flexRate)}`),
    mode('realtime', capabilities.realtime, realtimeSeconds, realtimeSeconds * SYNC_WORST_FACTOR.realtime, `at ${rateText(realtimeRate)}`),
  ];
  return {
    items: scan.items,
    requests,
    badRows: scan.badRows,
    tokens: { in: tokensIn, out: tokensOut, outPerItem: out.tokens, outSource: out.source },
    batches,
    priceKnown: price !== undefined,
    ...(tolerance !== undefined ? { toleranceSeconds: tolerance } : {}),
    modes,
    recommendation: recommend(modes, tolerance),
  };
}

const FIT_RANK: Record<Fit, number> = { yes: 0, unknown: 0, likely: 1, no: 2 };

function recommend(modes: ModeEstimate[], tolerance: number | undefined): PlanEstimate['recommendation'] {
  const available = modes.filter((m) => m.available);
  if (available.length === 0) return { mode: 'batch', reason: 'no mode is available for this provider' };
  const within = tolerance === undefined ? '' : ` within ${formatDuration(tolerance)}`;
  const fitting = available.filter((m) => m.fits !== 'no');
  if (fitting.length === 0) {
    const fastest = [...available].sort((a, b) => a.expectedSeconds - b.expectedSeconds)[0]!;
    return { mode: fastest.mode, reason: `no mode finishes${within}; ${fastest.mode} is the fastest (expected ${formatDuration(fastest.expectedSeconds)})` };
  }
  const best = [...fitting].sort((a, b) => a.priceFactor - b.priceFactor || FIT_RANK[a.fits] - FIT_RANK[b.fits] || a.expectedSeconds - b.expectedSeconds)[0]!;
  const price = best.costUsd !== undefined ? `${formatUsd(best.costUsd)}, ` : '';
  const discount = best.priceFactor < 1 ? `${Math.round(best.priceFactor * 100)}% of the realtime price` : 'the full realtime price';
  const risk = best.fits === 'likely' ? `; its worst case (${formatDuration(best.worstSeconds)}) does not fit` : '';
  return {
    mode: best.mode,
    reason: `the cheapest mode that fits${within}: ${price}${discount}, expected ${formatDuration(best.expectedSeconds)}${risk}`,
  };
}
