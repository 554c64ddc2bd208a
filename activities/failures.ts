import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../src/contracts/failure-types';
import { ProviderError, type ProviderErrorKind } from '../src/providers/provider-error';
import { InvalidSpecError } from '../src/spec/spec-errors';
import { DatasetNotFoundError } from '../src/dataset/dataset-reader';
import { UnknownBuilderError } from '../src/dataset/request-renderer';
import { ProviderConfigError } from '../src/providers/provider-registry';
import { ReconcileAmbiguousError, SubmitFencedError } from '../src/providers/exactly-once-submit';
import { CreateSlotBusyError } from '../src/providers/create-lease';
import { DatasetChangedError } from '../src/dataset/dataset-identity';
import { BlobNotFoundError } from '../src/storage/blob-store';
import { BlobKeyUnknownError, BlobTamperedError } from '../src/storage/encrypted-blob-store';
import { StorageUnavailableError } from '../src/storage/storage-errors';
import { StorageMismatchError } from '../src/storage/storage-identity';
import { describeStorageError, isTransientStorageError } from '../src/storage/transient-storage-error';

/** The failure types (src/contracts/failure-types.ts), exported here too for the activities' callers. */
export { FailureType };

const TYPE_OF_KIND: Record<ProviderErrorKind, string> = {
  rate_limited: FailureType.rateLimited,
  quota_exceeded: FailureType.quotaExceeded,
  unavailable: FailureType.unavailable,
  server_error: FailureType.transient,
  timeout: FailureType.transient,
  network: FailureType.transient,
  not_found: FailureType.notFound,
  conflict: FailureType.transient,
  invalid_request: FailureType.invalidRequest,
  auth: FailureType.auth,
};

/**
 * The one place errors from the core become Temporal failures: their type, retryable or not (as
 * PERMANENT_FAILURES says), and when to retry. Rethrows anything as an ApplicationFailure with a type; unknown errors stay retryable. A quota refusal
 * without a provider hint waits `quotaRetryMs` (running batches must drain before there is room).
 */
export function toFailure(err: unknown, options: { quotaRetryMs?: number } = {}): never {
  if (err instanceof ApplicationFailure) throw err;
  if (err instanceof ProviderError) {
    const delay = err.details.retryAfterMs ?? (err.kind === 'quota_exceeded' ? (options.quotaRetryMs ?? 60_000) : undefined);
    throw ApplicationFailure.create({
      type: TYPE_OF_KIND[err.kind],
      message: err.message,
      nonRetryable: !err.retryable,
      details: [{ kind: err.kind, ...err.details }],
      ...(delay !== undefined ? { nextRetryDelay: delay } : {}),
    });
  }
  // an attempt that lost its claim fails retryably: if it is somehow still the current one, the next attempt
  // finds the record; a stale one's result is dropped by Temporal anyway
  if (err instanceof SubmitFencedError) throw ApplicationFailure.create({ type: FailureType.submitFenced, message: err.message });
  if (err instanceof CreateSlotBusyError) throw ApplicationFailure.create({ type: FailureType.createSlotBusy, message: err.message, nextRetryDelay: err.retryAfterMs });
  if (err instanceof ReconcileAmbiguousError) throw ApplicationFailure.create({ type: FailureType.reconcileAmbiguous, message: err.message, nextRetryDelay: err.retryAfterMs });
  // a blob another step wrote is gone (storage not shared, or deleted): retrying here cannot bring it back
  if (err instanceof BlobNotFoundError) throw ApplicationFailure.nonRetryable(`${err.message} (is the blob store shared by every worker? see LONGHAUL_BLOB_STORE)`, FailureType.blobNotFound);
  // a worker on other stores than its job's: retried later, when a worker on the job's stores may take it
  // a blob encrypted at rest that this worker's key ring cannot open, or whose ciphertext was changed
  if (err instanceof BlobKeyUnknownError || err instanceof BlobTamperedError) throw ApplicationFailure.nonRetryable(err.message, FailureType.blobUnreadable);
  if (err instanceof StorageMismatchError) throw ApplicationFailure.create({ type: FailureType.storageMismatch, message: err.message, nextRetryDelay: 15_000 });
  if (err instanceof StorageUnavailableError) throw ApplicationFailure.nonRetryable(err.message, FailureType.storageUnavailable);
  // the database or object store restarted or asked to slow down: retried (Temporal's backoff), never lost
  if (isTransientStorageError(err)) throw ApplicationFailure.retryable(`storage briefly unavailable: ${describeStorageError(err)}`, FailureType.storageTransient);
  if (err instanceof DatasetChangedError) throw ApplicationFailure.nonRetryable(err.message, FailureType.datasetChanged);
  if (err instanceof InvalidSpecError) throw ApplicationFailure.nonRetryable(err.message, FailureType.invalidSpec);
  if (err instanceof DatasetNotFoundError) throw ApplicationFailure.nonRetryable(err.message, FailureType.datasetNotFound);
  if (err instanceof UnknownBuilderError || err instanceof ProviderConfigError) throw ApplicationFailure.nonRetryable(err.message, FailureType.config);
  throw err;
}

/**
 * Activities whose errors become typed Temporal failures in one place (toFailure), rather than a try/catch in
 * each. An input that carries `quotaRetryMs` (submit's) sets the wait after a quota refusal that names none.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- activities take and return anything; the type is kept as given
export function withTypedFailures<T extends Record<string, (...args: any[]) => Promise<unknown>>>(activities: T): T {
  const wrapped = Object.entries(activities).map(([name, run]) => [
    name,
    async (...args: unknown[]) => {
      try {
        return await run(...args);
      } catch (err) {
        const quotaRetryMs = (args[0] as { quotaRetryMs?: unknown } | undefined)?.quotaRetryMs;
        return toFailure(err, typeof quotaRetryMs === 'number' ? { quotaRetryMs } : {});
      }
    },
  ]);
  return Object.fromEntries(wrapped) as T;
}
