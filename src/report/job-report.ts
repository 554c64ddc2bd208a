import type { ItemState } from '../results/item-outcome';
import type { OutcomeCounts } from '../results/result-store';

/** Time spent per phase, in milliseconds of workflow time. */
export type PhaseTimings = Partial<Record<'prepare' | 'batches' | 'rounds' | 'fallback' | 'finalize', number>>;

/** How long one shard took, from launch to collected (workflow time). */
export interface ShardTiming {
  round: number;
  index: number;
  requests: number;
  seconds: number;
  tier: string;
}

/**
 * The job's report: counts that add up (total = succeeded + failed + cancelled + cached), failure reasons,
 * tokens, cost at the prices paid beside what realtime would have cost, and where everything is.
 */
export interface JobReport {
  jobId: string;
  taskVersion: string;
  generation: number;
  status: 'completed' | 'cancelled';
  provider: string;
  model: string;
  mode: string;
  total: number;
  counts: Record<Exclude<ItemState, 'failed_retryable'>, number>;
  failuresByReason: Record<string, number>;
  byTier: OutcomeCounts['byTier'];
  tokens: { in: number; out: number };
  cost: { paidUsd: number; realtimeUsd: number; savedUsd: number; priceKnown: boolean };
  rounds: number;
  shards: number;
  duplicateIds: number;
  timings: PhaseTimings;
  /** Per shard (the first 1,000 of each round at most, to keep the report small). */
  shardTimings: ShardTiming[];
  startedAt: string;
  finishedAt: string;
  files: { results: string; deadLetter: string; report: string; reportHtml?: string };
}

/** True when the counts add up to the total: every item has exactly one final outcome. */
export function countsAddUp(report: Pick<JobReport, 'total' | 'counts'>): boolean {
  const { succeeded, failed, cancelled, cached } = report.counts;
  return succeeded + failed + cancelled + cached === report.total;
}
