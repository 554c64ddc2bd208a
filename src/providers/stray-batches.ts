import type { ResultStore } from '../results/result-store';
import type { BatchRecord } from '../results/submit-records';
import type { BatchProvider, FoundBatch } from './batch-provider';

/** Whose strays these are: the shard attempt that should have had one batch. */
export interface StrayContext {
  store: ResultStore;
  provider: BatchProvider;
  jobId: string;
  shardAttemptId: string;
  /** Requests the shard's batch has. */
  requests: number;
  account?: string;
  now: () => number;
  warn?: (message: string) => void;
}

/**
 * A batch that is not its shard attempt's recorded one: recorded as a stray first (so no reconcile ever adopts
 * it, and the job's report counts it), then cancelled, then its uploaded input deleted. Idempotent.
 * @throws ProviderError when the cancel or the delete fails (the stray stays recorded; sweepStrays retries).
 */
export async function discardStray(batch: FoundBatch, ctx: StrayContext): Promise<void> {
  const { store, provider } = ctx;
  await store.recordStray({
    batchId: batch.batchId,
    shardAttemptId: ctx.shardAttemptId,
    jobId: ctx.jobId,
    provider: provider.name,
    ...(ctx.account ? { account: ctx.account } : {}),
    requests: ctx.requests,
    foundAtMs: ctx.now(),
  });
  ctx.warn?.(`shard ${ctx.shardAttemptId}: batch ${batch.batchId} is a stray (not the shard's recorded batch); cancelling it`);
  await provider.cancel(batch.batchId);
  if (batch.inputRef) await provider.deleteInput(batch.inputRef);
}

/**
 * After a shard's batch ended: cancels its recorded strays again (a cancel may have failed before), and for
 * providers whose batches carry the shard's tag, when more than one attempt ever claimed the submit, every
 * tagged batch but the recorded one (a stale attempt that created and died before it could cancel). A closed
 * record (CLOSED_CLAIM) counts as contended.
 */
export async function sweepStrays(record: BatchRecord | undefined, ctx: StrayContext): Promise<void> {
  const { store, provider } = ctx;
  for (const stray of await store.strays(ctx.jobId)) {
    if (stray.shardAttemptId === ctx.shardAttemptId) await provider.cancel(stray.batchId);
  }
  // one claim ever (the first attempt's, still current): no other attempt could have created anything
  if (!record || !provider.capabilities.batchMetadata || record.claim === 1) return;
  const found = await provider.findBatches(ctx.shardAttemptId, record.intentAtMs, { requestCount: ctx.requests });
  for (const batch of found) if (batch.batchId !== record.batchId) await discardStray(batch, ctx);
}

/**
 * The shard stopped waiting for a batch (its submit failed for good, or its batch was lost track of): closes the
 * submit record so no attempt creates or records from now on, cancels a batch recorded anyway (nobody will
 * collect it), settles a create of the shard still in doubt under the account's lease, sweeps strays, and
 * deletes an uploaded input that made no batch.
 */
export async function closeShardSubmit(ctx: StrayContext): Promise<void> {
  const { store, provider } = ctx;
  const attempted = (await store.getBatchRecord(ctx.shardAttemptId)) !== undefined;
  const record = await store.closeSubmit(ctx.shardAttemptId, provider.name, ctx.now());
  // never claimed (a synchronous tier, or a shard cancelled before its submit): nothing can exist to settle
  if (!attempted) return;
  if (record.batchId) {
    ctx.warn?.(`shard ${ctx.shardAttemptId} gave up on batch ${record.batchId}; cancelling it`);
    await provider.cancel(record.batchId);
  }
  const lease = await store.createLeaseOf(ctx.shardAttemptId);
  if (lease) await settleInDoubt(lease, ctx);
  await sweepStrays(record, ctx);
  if (record.inputRef && !record.batchId) await provider.deleteInput(record.inputRef);
}

/**
 * Settles a create lease whose holder will not (a closed shard, or a holder silent for long): the one unrecorded
 * batch of its size created since the lease was taken is the holder's. It is recorded for the holder if the
 * holder can still take it, else it is a stray; then the lease is freed. Several candidates are left alone
 * (something outside Longhaul's store made batches of that size) and reported.
 */
export async function settleInDoubt(lease: { account: string; shardAttemptId: string; claim: number; requests: number; sinceMs: number }, ctx: Omit<StrayContext, 'shardAttemptId' | 'jobId' | 'requests'>): Promise<void> {
  const { store, provider } = ctx;
  const holder: StrayContext = { ...ctx, shardAttemptId: lease.shardAttemptId, jobId: jobIdOfAttempt(lease.shardAttemptId), requests: lease.requests };
  const claimed = new Set(await store.recordedBatchIds(provider.name, lease.sinceMs - 15 * 60_000));
  const found = (await provider.findBatches(lease.shardAttemptId, lease.sinceMs, { requestCount: lease.requests, claimedBatchIds: claimed })).filter((b) => !claimed.has(b.batchId));
  if (found.length === 1) {
    const recorded = await store.recordBatchCreated(lease.shardAttemptId, found[0]!.batchId, lease.claim);
    if (recorded !== found[0]!.batchId) await discardStray(found[0]!, holder);
  } else if (found.length > 1) {
    ctx.warn?.(`create lease of ${lease.shardAttemptId} on ${lease.account}: ${found.length} unrecorded batches of ${lease.requests} requests; none adopted`);
  }
  await store.releaseCreateLease(lease.account, lease.shardAttemptId, lease.claim);
}

/** The job id of a shard attempt id (`<jobId>/g<generation>/r<round>/s<index>`; job ids hold no `/`). */
function jobIdOfAttempt(shardAttemptId: string): string {
  return shardAttemptId.slice(0, shardAttemptId.indexOf('/'));
}
