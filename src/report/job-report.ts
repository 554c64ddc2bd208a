import type { ItemState } from '../results/item-outcome';
import type { OutcomeCounts } from '../results/result-store';
import type { ModelCost } from './model-costs';

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

/** Result lines that did not simply answer one item of their shard, summed over the job's shards. */
export interface ResultLineCounts {
  /** Lines that could not be read (cut short, not JSON, not the provider's shape). */
  malformed: number;
  /** Identical second answers for an item, ignored. */
  duplicate: number;
  /** Items answered twice, differently (marked `conflicting_results` and retried). */
  conflicting: number;
  /** Lines whose custom_id belongs to no item of their shard attempt. */
  foreign: number;
}

/**
 * Batches created beyond one per shard attempt (a paused worker's create, a lost response's extra batch): each
 * was cancelled when found. `requestsBilled` is what they completed before the cancel took (from the provider;
 * null when it could not be asked), and `costUsd` an estimate of it at the job's average batch cost per item.
 */
export interface StrayBatchCounts {
  count: number;
  requestsBilled: number | null;
  costUsd: number | null;
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
  /** A cancelled job's reason, as its cancel request gave it (null: none given); absent for completed jobs and older reports. */
  cancelReason?: string | null;
  provider: string;
  model: string;
  mode: string;
  total: number;
  counts: Record<Exclude<ItemState, 'failed_retryable'>, number>;
  failuresByReason: Record<string, number>;
  byTier: OutcomeCounts['byTier'];
  tokens: { in: number; out: number };
  /**
   * realtimeUsd prices each item at the model and tier that produced it (items that sent no request: $0).
   * priceNote: why the costs may be wrong (a model's price is missing or guessed from its listed id); absent when
   * listed. byModel: per model that produced items (absent in reports written before it was kept).
   */
  cost: { paidUsd: number; realtimeUsd: number; savedUsd: number; priceKnown: boolean; priceNote?: string; byModel?: ModelCost[] };
  rounds: number;
  shards: number;
  duplicateIds: number;
  /** What the engine absorbed without failing items (absent in reports written before it was counted). */
  integrity?: { resultLines: ResultLineCounts; strayBatches: StrayBatchCounts };
  timings: PhaseTimings;
  /** Per shard (the first 1,000 of each round at most, to keep the report small). */
  shardTimings: ShardTiming[];
  startedAt: string;
  finishedAt: string;
  files: { results: string; deadLetter: string; report: string; reportHtml?: string };
}

