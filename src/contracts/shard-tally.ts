import type { SendTier } from './tiers';

/** What collecting one shard produced: counts and usage, never rows. Sandbox-safe: shards return it to their job. */
export interface ShardTally {
  requests: number;
  succeeded: number;
  retryable: number;
  failed: number;
  cancelled: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  /** Lines whose custom_id names no request of this shard: another shard's, round's or generation's (ignored). */
  foreignLines: number;
  /**
   * Result lines that could not be read (not JSON, cut short, not the provider's shape), whether or not their
   * item was recognised (then it failed as `malformed_result`). Absent in histories recorded before: 0.
   */
  malformedLines?: number;
  /**
   * Lines for an item that already had one, which changed nothing: the same verdict as its first line, or any
   * line for an item already marked conflicting. Absent in histories recorded before: 0.
   */
  duplicateLines?: number;
  /** Items the batch answered twice, differently (`conflicting_results`). Absent in histories recorded before: 0. */
  conflictingResults?: number;
  /** The tier the shard ran on (absent in histories recorded before tiers existed: batch). */
  tier?: SendTier;
  /** The shard gave up waiting for its batch because of the job's deadline (its unfinished items retry faster). */
  fellBack?: boolean;
}

/** A tally of nothing yet; a shard that ran no request returns it with its `requests`. */
export function emptyTally(): ShardTally {
  return {
    requests: 0,
    succeeded: 0,
    retryable: 0,
    failed: 0,
    cancelled: 0,
    tokensIn: 0,
    tokensOut: 0,
    costUsd: 0,
    foreignLines: 0,
    malformedLines: 0,
    duplicateLines: 0,
    conflictingResults: 0,
  };
}
