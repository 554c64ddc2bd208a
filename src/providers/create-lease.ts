import type { SubmitRequest } from './batch-provider';
import type { SubmitDeps } from './exactly-once-submit';
import { settleInDoubt } from './stray-batches';

/** A lease untouched this long has a holder that will not come back (its job was terminated): others settle it. */
export const STALE_LEASE_MS = 60 * 60_000;
/** How soon a shard waiting for the account's create lease tries again. */
const BUSY_RETRY_MS = 3_000;

/** Another shard's create on this account is in flight or in doubt: try again after `retryAfterMs`. */
export class CreateSlotBusyError extends Error {
  override readonly name = 'CreateSlotBusyError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** The account's create lease, held by this attempt. */
export interface CreateSlot {
  /** The lease's key (`<provider>/<account>`). */
  account: string;
  /** Set when an earlier attempt of this shard held the lease: its create may have happened since then. */
  inDoubtSince?: number;
}

/**
 * Takes the account's create lease for this submit attempt (providers whose batches carry no tag): at most one
 * create of the account is in flight or in doubt at a time, so reconciling a lost response has one candidate.
 * A lease left by a holder silent for STALE_LEASE_MS is settled on its behalf first (settleInDoubt).
 * @throws CreateSlotBusyError while another shard holds it.
 */
export async function takeCreateSlot(request: SubmitRequest, claim: number, deps: SubmitDeps): Promise<CreateSlot> {
  const { store, provider } = deps;
  const now = deps.now ?? Date.now;
  const account = `${provider.name}/${deps.account ?? provider.name}`;
  const holder = { account, shardAttemptId: request.shardAttemptId, claim, requests: request.requestCount };
  for (let tries = 0; tries < 2; tries++) {
    const at = now();
    const lease = await store.takeCreateLease(holder, at);
    if (lease.shardAttemptId === request.shardAttemptId && lease.claim === claim) {
      return lease.sinceMs < at ? { account, inDoubtSince: lease.sinceMs } : { account };
    }
    if (at - lease.touchedMs < STALE_LEASE_MS) {
      throw new CreateSlotBusyError(`${account}: shard ${lease.shardAttemptId} is creating its batch; creates on an account go one at a time`, BUSY_RETRY_MS);
    }
    deps.warn?.(`${account}: the create lease of ${lease.shardAttemptId} is ${Math.round((at - lease.touchedMs) / 60_000)} minutes old; settling it`);
    await settleInDoubt(lease, { store, provider, now, ...(deps.account ? { account: deps.account } : {}), ...(deps.warn ? { warn: deps.warn } : {}) });
  }
  throw new CreateSlotBusyError(`${account}: the create lease is busy`, BUSY_RETRY_MS);
}
