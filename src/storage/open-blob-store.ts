import type { LonghaulConfig } from '../config/longhaul-config';
import type { BlobStore } from './blob-store';
import { EncryptedBlobStore } from './encrypted-blob-store';
import { LocalBlobStore } from './local-blob-store';
import { S3BlobStore, s3ClientFor } from './s3-blob-store';

/**
 * The blob store the configuration names (LONGHAUL_BLOB_STORE): a local directory, or an S3-compatible bucket.
 * `check` proves it can be used before a worker or client relies on it. With the payload key ring
 * (LONGHAUL_PAYLOAD_KEY), every blob is encrypted at rest.
 * @throws StorageUnavailableError from `check`, in one line.
 */
export function openBlobStore(location: LonghaulConfig['storage'], payloadKeys?: LonghaulConfig['payloadKeys']): BlobStore & { check(): Promise<void> } {
  const store = location.kind === 'local' ? Object.assign(new LocalBlobStore(location.dir), { check: async () => undefined }) : new S3BlobStore(s3ClientFor(location), location);
  // with a payload key, blobs are encrypted at rest too (encrypted-blob-store.ts)
  if (!payloadKeys) return store;
  return Object.assign(new EncryptedBlobStore(store, payloadKeys), { check: () => store.check() });
}
