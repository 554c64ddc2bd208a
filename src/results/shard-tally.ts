/** What collecting one shard produced: counts and usage, never rows. */
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
  tier?: 'batch' | 'flex' | 'realtime';
  /** The shard gave up waiting for its batch because of the job's deadline (its unfinished items retry faster). */
  fellBack?: boolean;
}

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

/** The sum of two tallies; a count one of them lacks (recorded before it existed) adds 0. */
export function addTallies(a: ShardTally, b: ShardTally): ShardTally {
  return {
    requests: a.requests + b.requests,
    succeeded: a.succeeded + b.succeeded,
    retryable: a.retryable + b.retryable,
    failed: a.failed + b.failed,
    cancelled: a.cancelled + b.cancelled,
    tokensIn: a.tokensIn + b.tokensIn,
    tokensOut: a.tokensOut + b.tokensOut,
    costUsd: a.costUsd + b.costUsd,
    foreignLines: a.foreignLines + b.foreignLines,
    malformedLines: (a.malformedLines ?? 0) + (b.malformedLines ?? 0),
    duplicateLines: (a.duplicateLines ?? 0) + (b.duplicateLines ?? 0),
    conflictingResults: (a.conflictingResults ?? 0) + (b.conflictingResults ?? 0),
  };
}

/** The count of a tally an outcome's state adds to. */
export type StateCount = 'succeeded' | 'retryable' | 'failed' | 'cancelled';

export function stateCount(state: string): StateCount {
  if (state === 'succeeded') return 'succeeded';
  if (state === 'failed_retryable') return 'retryable';
  if (state === 'cancelled') return 'cancelled';
  return 'failed';
}

/** Adds one outcome to a tally. */
export function countOutcome(tally: ShardTally, outcome: { state: string; tokensIn: number; tokensOut: number; costUsd: number }): void {
  tally[stateCount(outcome.state)]++;
  tally.tokensIn += outcome.tokensIn;
  tally.tokensOut += outcome.tokensOut;
  tally.costUsd += outcome.costUsd;
}
