import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import type { FoundBatch } from '../batch-provider';

/** Clock skew tolerated between our records (our clock) and Anthropic's `created_at` (theirs). */
export const RECONCILE_SKEW_MS = 2 * 60_000;

/** The total number of requests of a batch: the five counts always add up to it. */
export function requestTotal(batch: Pick<MessageBatch, 'request_counts'>): number {
  const c = batch.request_counts;
  return c.processing + c.succeeded + c.errored + c.canceled + c.expired;
}

/**
 * The batches a lost create response may have made, on a platform with no batch metadata and no idempotency
 * key: walking the workspace's batches newest first back to `sinceMs - RECONCILE_SKEW_MS`, those with exactly
 * `requestCount` requests that no shard attempt recorded (`claimed`), oldest first.
 *
 * This alone is a guess whenever several same-size creates can be in doubt at once (shards of one round
 * usually have the same size). exactly-once-submit.ts makes it exact: an account's creates go one at a time
 * under its create lease, held until the batch is recorded, so every batch of ours created since the lease
 * was taken is recorded except the lease holder's. What remains ambiguous is a batch of the same size made by
 * something other than Longhaul's store (another tool, another deployment on the same key) in that window.
 */
export async function matchingAnthropicBatches(
  batches: AsyncIterable<MessageBatch>,
  sinceMs: number,
  requestCount: number,
  claimed: ReadonlySet<string> = new Set(),
): Promise<FoundBatch[]> {
  const since = sinceMs - RECONCILE_SKEW_MS;
  const matches: FoundBatch[] = [];
  for await (const batch of batches) {
    const createdAtMs = Date.parse(batch.created_at);
    if (createdAtMs < since) break;
    if (requestTotal(batch) === requestCount && !claimed.has(batch.id)) matches.push({ batchId: batch.id, createdAtMs });
  }
  return matches.reverse();
}
