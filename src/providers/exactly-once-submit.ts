import type { ResultStore } from '../results/result-store';
import type { BatchProvider, SubmitRequest } from './batch-provider';

/** How far before the intent other shards' recorded batches count as claimed (reconcile looks back too). */
const RECONCILE_LOOKBACK_MS = 15 * 60_000;

export interface SubmitOutcome {
  batchId: string;
  /** `record`: a previous attempt had recorded it; `reconciled`: found at the provider by its tag; `created`: new. */
  via: 'record' | 'reconciled' | 'created';
}

/**
 * Creates the provider batch of one shard attempt at most once, whatever retries and crashes happen
 * around it. Provider creates are not idempotent, so:
 *   1. a recorded batch id is the answer;
 *   2. otherwise the intent is recorded durably before anything is sent;
 *   3. if an intent already existed, an earlier attempt may have created the batch and lost the response:
 *      reconcile (list the provider's batches and match our tag) before creating;
 *   4. create, then record the id.
 * A crash between 4 and the record is caught by step 3 on the next attempt.
 */
export async function submitExactlyOnce(
  request: SubmitRequest,
  deps: { store: ResultStore; provider: BatchProvider; now?: () => number },
): Promise<SubmitOutcome> {
  const { store, provider } = deps;
  const existing = await store.getBatchRecord(request.shardAttemptId);
  if (existing?.batchId) return { batchId: existing.batchId, via: 'record' };
  const intent = await store.recordBatchIntent(request.shardAttemptId, provider.name, (deps.now ?? Date.now)());
  if (existing) {
    const claimedBatchIds = new Set(await store.recordedBatchIds(provider.name, intent.intentAtMs - RECONCILE_LOOKBACK_MS));
    const found = await provider.reconcile(request.shardAttemptId, intent.intentAtMs, { requestCount: request.requestCount, claimedBatchIds });
    if (found) {
      await store.recordBatchCreated(request.shardAttemptId, found);
      return { batchId: found, via: 'reconciled' };
    }
  }
  const { batchId } = await provider.submit(request);
  await store.recordBatchCreated(request.shardAttemptId, batchId);
  return { batchId, via: 'created' };
}
