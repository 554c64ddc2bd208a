import type { BatchStatus } from '../../src/contracts/batch-status';

/** Error codes of a batch the provider failed because its enqueued-token quota was full (OpenAI, Azure). */
const QUOTA_CODES = new Set(['token_limit_exceeded']);

/** At most this many batches are created again for one shard attempt before its items go to the next round. */
export const MAX_QUOTA_REQUEUES = 10;

/**
 * True for a batch that failed only because the provider's enqueued-token quota was full: it did no work and
 * cost nothing, so the shard creates it again once running batches drained, instead of spending a retry round.
 */
export function refusedForQuota(status: BatchStatus): boolean {
  return status.phase === 'failed' && status.errors.length > 0 && status.errors.every((e) => QUOTA_CODES.has(e.code));
}
