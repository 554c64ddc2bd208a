import os from 'node:os';
import type { LonghaulConfig } from '../config/longhaul-config';
import { describeLocation } from '../config/store-urls';

/**
 * Which stores a worker keeps jobs' data in, as one line: a local directory or SQLite file counts with its host
 * (another machine's `/data/blobs` is another store), an S3 bucket or a PostgreSQL database by its address. A job
 * records the identity of the worker that began it; a worker whose identity differs would read and write other
 * stores than the job's, and refuses its activities (see checkSameStorage).
 */
export function storageIdentity(config: Pick<LonghaulConfig, 'storage' | 'results'>, host = os.hostname()): string {
  return `${blobStoreIdentity(config, host)}; results ${placed(config.results, host)}`;
}

/**
 * The blob half of storageIdentity. A client that wrote a new job's inputs to a shared blob store (an uploaded
 * dataset, inline rows) records this much with the job: only a worker on that blob store can begin it.
 */
export function blobStoreIdentity(config: Pick<LonghaulConfig, 'storage'>, host = os.hostname()): string {
  return `blobs ${placed(config.storage, host)}`;
}

function placed(location: LonghaulConfig['storage'] | LonghaulConfig['results'], host: string): string {
  return location.kind === 'local' || location.kind === 'sqlite' ? `${host}:${describeLocation(location)}` : describeLocation(location);
}

/** An activity landed on a worker whose stores are not its job's. */
export class StorageMismatchError extends Error {
  override readonly name = 'StorageMismatchError';
  constructor(jobId: string, jobStorage: string, workerStorage: string) {
    super(
      `job ${jobId} keeps its data in [${jobStorage}], but this worker uses [${workerStorage}]: every worker of a task queue ` +
        'must share the same stores (LONGHAUL_BLOB_STORE=s3://... and LONGHAUL_RESULT_STORE=postgres://... for workers on several machines)',
    );
  }
}

/**
 * Whether this worker may work on a job: same stores as the job recorded, or, for a job a client recorded only
 * its blob store with (blobStoreIdentity), the same blob store.
 * @throws StorageMismatchError when a job recorded other stores than this worker's.
 */
export function checkSameStorage(spec: { jobId: string; storage?: string | undefined }, workerStorage: string): void {
  if (spec.storage === undefined || spec.storage === workerStorage || workerStorage.startsWith(`${spec.storage}; `)) return;
  throw new StorageMismatchError(spec.jobId, spec.storage, workerStorage);
}
