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
