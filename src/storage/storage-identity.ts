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
  const on = (location: LonghaulConfig['storage'] | LonghaulConfig['results']) =>
    location.kind === 'local' || location.kind === 'sqlite' ? `${host}:${describeLocation(location)}` : describeLocation(location);
  return `blobs ${on(config.storage)}; results ${on(config.results)}`;
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

/** @throws StorageMismatchError when a job recorded other stores than this worker's. */
export function checkSameStorage(spec: { jobId: string; storage?: string | undefined }, workerStorage: string): void {
  if (spec.storage !== undefined && spec.storage !== workerStorage) throw new StorageMismatchError(spec.jobId, spec.storage, workerStorage);
}
