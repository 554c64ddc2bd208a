import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';

/** Clock skew tolerated between our intent record (our clock) and Anthropic's `created_at` (theirs). */
export const RECONCILE_SKEW_MS = 2 * 60_000;

/** The total number of requests of a batch: the five counts always add up to it. */
export function requestTotal(batch: Pick<MessageBatch, 'request_counts'>): number {
  const c = batch.request_counts;
  return c.processing + c.succeeded + c.errored + c.canceled + c.expired;
}

/**
 * Finds the batch a lost create response made, on a platform that has no batch metadata and no idempotency
 * key. THIS IS A HEURISTIC: it walks the workspace's batches newest first back to
 * `createdAfterMs - RECONCILE_SKEW_MS` and keeps those with exactly `requestCount` requests; it answers a
 * batch id only when exactly one batch matches, and undefined when none or several do (and when the count
 * is unknown), so the caller creates a new batch.
 *
 * When it is safe: the create intent was recorded just before the lost create (submitExactlyOnce does
 * that), and no other batch with the same number of requests was created in this workspace since then:
 * other shards of the same size in flight, other jobs, other tools on the same key. Shards of one round
 * usually have the same size, so with several shards in flight an ambiguous answer is likely: it then
 * prefers a duplicate (billed, its results unused) over adopting another shard's batch, which would leave
 * this shard's items without results and read another shard's results as foreign lines. Batches already
 * recorded for other shard attempts (`claimed`) are skipped, which removes most of that ambiguity: only
 * same-size batches whose create responses were lost at the same time, or other tools', remain.
 */
export async function findLostAnthropicBatch(
  batches: AsyncIterable<MessageBatch>,
  createdAfterMs: number,
  requestCount: number | undefined,
  claimed: ReadonlySet<string> = new Set(),
): Promise<string | undefined> {
  if (requestCount === undefined) return undefined;
  const since = createdAfterMs - RECONCILE_SKEW_MS;
  const matches: string[] = [];
  for await (const batch of batches) {
    if (Date.parse(batch.created_at) < since) break;
    if (requestTotal(batch) === requestCount && !claimed.has(batch.id)) matches.push(batch.id);
    if (matches.length > 1) return undefined;
  }
  return matches[0];
}
