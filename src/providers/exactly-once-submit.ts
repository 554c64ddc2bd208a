import type { ResultStore } from '../results/result-store';
import { CLOSED_CLAIM } from '../results/submit-records';
import type { BatchProvider, FoundBatch, SubmitRequest } from './batch-provider';
import { takeCreateSlot, type CreateSlot } from './create-lease';
import { ProviderError } from './provider-error';
import { discardStray, type StrayContext } from './stray-batches';
import { type CreateFence, withCreateFence } from './create-fence';

/** How far before the intent other shards' recorded batches count as claimed (reconcile looks back too). */
const RECONCILE_LOOKBACK_MS = 15 * 60_000;
/** How long a reconcile that finds several untagged candidates waits for strays to be recorded before giving up. */
const AMBIGUITY_PATIENCE_MS = 10 * 60_000;

export interface SubmitOutcome {
  batchId: string;
  /** `record`: a previous attempt had recorded it; `reconciled`: found at the provider; `created`: new. */
  via: 'record' | 'reconciled' | 'created';
}

/**
 * This submit attempt may not create: a later attempt claimed the shard (this one was paused, or timed out and
 * kept running), the activity was cancelled, or the shard stopped waiting for a batch. Nothing was created by
 * it, or what it created was cancelled as a stray.
 */
export class SubmitFencedError extends Error {
  override readonly name = 'SubmitFencedError';
}

/**
 * Several unrecorded batches could be this shard's (providers without batch metadata): one is probably a stale
 * attempt's create that is about to be recorded as a stray. Retry in a little while.
 */
export class ReconcileAmbiguousError extends Error {
  override readonly name = 'ReconcileAmbiguousError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

export interface SubmitDeps {
  store: ResultStore;
  provider: BatchProvider;
  /** The provider account the batch goes to (undefined: the provider's default account). */
  account?: string;
  /** Aborted when the activity is cancelled (or Temporal no longer takes its heartbeats): stop before creating. */
  signal?: AbortSignal;
  now?: () => number;
  /** Warnings (strays found, ambiguous candidates). */
  warn?: (message: string) => void;
}

/**
 * Creates the provider batch of one shard attempt at most once, whatever retries, crashes and pauses happen
 * around it. Provider creates are not idempotent, so:
 *   1. a recorded batch id is the answer;
 *   2. otherwise this attempt claims the record (a fencing token; later attempts take the claim over);
 *   3. providers whose batches carry no tag take the account's create lease: one create in doubt at a time;
 *   4. if an earlier attempt may have created a batch and lost the response, reconcile: list the provider's
 *      batches and adopt the one that is this shard's (extra tagged ones are cancelled as strays);
 *   5. upload, re-check the claim (and the activity's cancellation) right before the create, create; the
 *      provider client's fetch checks it again if the worker was paused since (create-fence.ts);
 *   6. record the batch id only if the claim is still this attempt's. A batch created by an attempt that lost
 *      its claim is cancelled at once, its input deleted, and recorded as a stray for the job's report.
 * A crash between the create and the record is caught by step 4 on the next attempt; a stale attempt's create
 * is caught by step 6, or, if that attempt dies first, by the sweep after the batch ends (sweepStrays).
 * @throws SubmitFencedError when this attempt may not create; ReconcileAmbiguousError, CreateSlotBusyError
 *   (retry later); ProviderError from the provider.
 */
export async function submitExactlyOnce(request: SubmitRequest, deps: SubmitDeps): Promise<SubmitOutcome> {
  const { store, provider } = deps;
  const now = deps.now ?? Date.now;
  const id = request.shardAttemptId;
  const earlier = await store.getBatchRecord(id);
  if (earlier?.batchId) return { batchId: earlier.batchId, via: 'record' };
  const { record, claim } = await store.claimSubmit(id, provider.name, now());
  if (record.batchId) return { batchId: record.batchId, via: 'record' };
  if (record.claim === CLOSED_CLAIM) throw new SubmitFencedError(`shard ${id} no longer waits for a batch: nothing is created`);
  const stray: StrayContext = { store, provider, jobId: request.jobId, shardAttemptId: id, requests: request.requestCount, now, ...(deps.account ? { account: deps.account } : {}) };
  const fence = async () => {
    if (deps.signal?.aborted) throw new SubmitFencedError(`the submit of shard ${id} was cancelled before its create`);
    const current = await store.getBatchRecord(id);
    if (current?.claim !== claim || current.batchId) throw new SubmitFencedError(`a later attempt took over the submit of shard ${id} (claim ${claim} is stale)`);
  };
  const slot = provider.capabilities.batchMetadata ? undefined : await takeCreateSlot(request, claim, deps);
  const inDoubtSince = slot ? slot.inDoubtSince : earlier ? record.intentAtMs : undefined;
  try {
    if (inDoubtSince !== undefined) {
      const adopted = await reconcile(request, inDoubtSince, stray, deps);
      if (adopted) return await settle(adopted.batchId, 'reconciled', claim, { ...stray, inputRef: adopted.inputRef }, slot);
    }
    if (record.inputRef) await provider.deleteInput(record.inputRef); // an earlier attempt's upload that made no batch
    let uploaded: string | undefined;
    // the claim is checked right before the create, and again by the client's fetch if that was a while ago
    const wire: CreateFence = { recheck: fence, now };
    const created = await withCreateFence(wire, () =>
      provider.submit(request, {
        uploaded: async (ref) => {
          uploaded = ref;
          if (!(await store.recordBatchInput(id, claim, ref))) throw new SubmitFencedError(`a later attempt took over the submit of shard ${id}`);
        },
        beforeCreate: async () => {
          await fence();
          wire.checkedAtMs = now();
        },
      }),
    ).catch(async (err: unknown) => {
      const refused = wire.refused ?? err; // a refusal at the wire comes back wrapped by the SDK
      if (refused instanceof SubmitFencedError && uploaded) await provider.deleteInput(uploaded).catch(() => undefined);
      throw refused;
    });
    return await settle(created.batchId, 'created', claim, { ...stray, inputRef: created.inputRef }, slot);
  } catch (err) {
    if (slot && refusedBeforeCreating(err)) await store.releaseCreateLease(slot.account, id, claim);
    throw err;
  }
}

/** Records the batch for this claim; a batch that lost to another is a stray, cancelled at once. */
async function settle(batchId: string, via: SubmitOutcome['via'], claim: number, stray: StrayContext & { inputRef?: string | undefined }, slot: CreateSlot | undefined): Promise<SubmitOutcome> {
  const { store } = stray;
  const recorded = await store.recordBatchCreated(stray.shardAttemptId, batchId, claim);
  if (recorded !== batchId) {
    await discardStray({ batchId, createdAtMs: stray.now(), ...(stray.inputRef ? { inputRef: stray.inputRef } : {}) }, stray);
    throw new SubmitFencedError(`a later attempt took over the submit of shard ${stray.shardAttemptId}: batch ${batchId} was cancelled as a stray`);
  }
  if (slot) await store.releaseCreateLease(slot.account, stray.shardAttemptId, claim);
  return { batchId, via };
}

/**
 * The batch an earlier attempt created and lost the response of, if any. Tagged providers: every batch with the
 * shard's tag is this shard's; the oldest is adopted and the others are strays. Untagged: the one unrecorded
 * batch of the shard's size created since the lease was taken; several mean a stale attempt's create has not
 * been recorded as a stray yet (wait), or something outside Longhaul made one (after a while, give up: create).
 */
async function reconcile(request: SubmitRequest, sinceMs: number, stray: StrayContext, deps: SubmitDeps): Promise<FoundBatch | undefined> {
  const { store, provider } = deps;
  const claimed = new Set(await store.recordedBatchIds(provider.name, sinceMs - RECONCILE_LOOKBACK_MS));
  const found = (await provider.findBatches(request.shardAttemptId, sinceMs, { requestCount: request.requestCount, claimedBatchIds: claimed })).filter((b) => !claimed.has(b.batchId));
  if (found.length <= 1 || provider.capabilities.batchMetadata) {
    for (const extra of found.slice(1)) await discardStray(extra, stray);
    return found[0];
  }
  const ids = found.map((b) => b.batchId).join(', ');
  if (stray.now() - sinceMs < AMBIGUITY_PATIENCE_MS) {
    throw new ReconcileAmbiguousError(`shard ${request.shardAttemptId}: ${found.length} unrecorded batches of ${request.requestCount} requests (${ids}); waiting for a stale create to be recorded`, 30_000);
  }
  deps.warn?.(`shard ${request.shardAttemptId}: ${found.length} unrecorded batches of ${request.requestCount} requests (${ids}) after ${AMBIGUITY_PATIENCE_MS / 60_000} minutes; none adopted, a new batch is created`);
  return undefined;
}

/** True when the provider answered and refused the create: no batch exists, so the lease is free again. */
function refusedBeforeCreating(err: unknown): boolean {
  if (err instanceof SubmitFencedError || err instanceof ReconcileAmbiguousError) return false;
  return err instanceof ProviderError && ['invalid_request', 'auth', 'rate_limited', 'quota_exceeded', 'not_found'].includes(err.kind);
}
