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
  /** Lines whose custom_id matched no request of this shard (ignored, counted for diagnosis). */
  foreignLines: number;
  /** The tier the shard ran on (absent in histories recorded before tiers existed: batch). */
  tier?: 'batch' | 'flex' | 'realtime';
  /** The shard gave up waiting for its batch because of the job's deadline (its unfinished items retry faster). */
  fellBack?: boolean;
}

export function emptyTally(): ShardTally {
  return { requests: 0, succeeded: 0, retryable: 0, failed: 0, cancelled: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, foreignLines: 0 };
}

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
  };
}

/** Adds one outcome to a tally. */
export function countOutcome(tally: ShardTally, outcome: { state: string; tokensIn: number; tokensOut: number; costUsd: number }): void {
  if (outcome.state === 'succeeded') tally.succeeded++;
  else if (outcome.state === 'failed_retryable') tally.retryable++;
  else if (outcome.state === 'cancelled') tally.cancelled++;
  else tally.failed++;
  tally.tokensIn += outcome.tokensIn;
  tally.tokensOut += outcome.tokensOut;
  tally.costUsd += outcome.costUsd;
}
