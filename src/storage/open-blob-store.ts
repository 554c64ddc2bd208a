import type { LonghaulConfig } from '../config/longhaul-config';
import type { BlobStore } from './blob-store';
import { LocalBlobStore } from './local-blob-store';
import { S3BlobStore, s3ClientFor } from './s3-blob-store';

/**
 * The blob store the configuration names (LONGHAUL_BLOB_STORE): a local directory, or an S3-compatible bucket.
 * `check` proves it can be used before a worker or client relies on it.
 * @throws StorageUnavailableError from `check`, in one line.
 */
export function openBlobStore(location: LonghaulConfig['storage']): BlobStore & { check(): Promise<void> } {
  if (location.kind === 'local') return Object.assign(new LocalBlobStore(location.dir), { check: async () => undefined });
  return new S3BlobStore(s3ClientFor(location), location);
}
