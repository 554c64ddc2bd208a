import type { SendTier, SyncTier } from '../../src/contracts/tiers';
import type { JobSettings } from '../../src/contracts/job-settings';
import type { ProviderFacts } from '../../src/spec/runnable-check';

/** What tier planning reads of a job's settings (a spec has them too). */
type TierSettings = Pick<JobSettings, 'mode' | 'deadline' | 'fallback' | 'realtime' | 'auto'>;

const HOUR_MS = 3_600_000;

/** Facts for histories recorded before the worker reported them: OpenAI-like defaults. */
const DEFAULT_FACTS: ProviderFacts = { expectedCompletionHours: 6, completionWindowHours: 24, batch: true, flex: false, realtime: true };

function marginMs(spec: TierSettings): number {
  return spec.fallback.marginMinutes * 60_000;
}

/** How long sending `requests` synchronously takes at the job's request rate. */
export function syncDurationMs(spec: TierSettings, requests: number): number {
  return (requests / spec.realtime.requestsPerMinute) * 60_000;
}

/** The first faster tier in the spec's fallback order that the provider has (realtime as the last resort). */
export function fallbackTier(spec: TierSettings, facts: ProviderFacts = DEFAULT_FACTS): SyncTier {
  return spec.fallback.tiers.find((tier) => facts[tier]) ?? 'realtime';
}

/** Whether a batch submitted now is expected to end before the deadline (with the margin). */
export function batchFitsDeadline(spec: TierSettings, nowMs: number, facts: ProviderFacts = DEFAULT_FACTS): boolean {
  if (!spec.deadline) return true;
  const expected = (spec.fallback.expectedBatchHours ?? facts.expectedCompletionHours) * HOUR_MS;
  return nowMs + expected + marginMs(spec) <= Date.parse(spec.deadline);
}

/**
 * The tier of the first round. batch, flex and realtime are what they say (a batch job that cannot meet its
 * deadline starts on the fallback tier); auto sends small jobs in realtime (quick answers, the saving would be
 * small), jobs that cannot wait for a batch on the fallback tier, and everything else as batches.
 */
export function firstTier(spec: TierSettings, total: number, nowMs: number, facts: ProviderFacts = DEFAULT_FACTS): SendTier {
  switch (spec.mode) {
    case 'flex':
      return 'flex';
    case 'realtime':
      return 'realtime';
    case 'batch':
      return batchFitsDeadline(spec, nowMs, facts) ? 'batch' : fallbackTier(spec, facts);
    case 'auto':
      if (total <= spec.auto.realtimeMaxItems && facts.realtime) return 'realtime';
      if (!facts.batch || !batchFitsDeadline(spec, nowMs, facts)) return fallbackTier(spec, facts);
      return 'batch';
  }
}

/** Shards sent synchronously are cut smaller, so several run side by side and a crash repeats little. */
export function shardRequestsFor(spec: TierSettings, tier: SendTier): number | undefined {
  return tier === 'batch' ? undefined : spec.realtime.chunkSize;
}

/**
 * When a batch shard of a round must stop waiting and hand its unfinished items to a faster tier: the
 * deadline, less the margin, less the time to send the round's requests synchronously. Undefined without a
 * deadline.
 */
export function fallbackAtMs(spec: TierSettings, roundRequests: number): number | undefined {
  if (!spec.deadline) return undefined;
  return Date.parse(spec.deadline) - marginMs(spec) - syncDurationMs(spec, roundRequests);
}
