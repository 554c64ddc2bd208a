import type { LonghaulConfig } from '../config/longhaul-config';
import type { BlobStore } from './blob-store';
import { CompressedBlobStore } from './compressed-blob-store';
import { EncryptedBlobStore } from './encrypted-blob-store';
import { jobLayout } from './job-layout';
import { LocalBlobStore } from './local-blob-store';
import { S3BlobStore, s3ClientFor } from './s3-blob-store';

/**
 * The blob store the configuration names (LONGHAUL_BLOB_STORE): a local directory, or an S3-compatible bucket.
 * `check` proves it can be used before a worker or client relies on it. With the payload key ring
 * (LONGHAUL_PAYLOAD_KEY), every blob is encrypted at rest. In a bucket, shard files are kept gzip-compressed
 * (compressed before they are encrypted); a local directory keeps every file as written.
 * @throws StorageUnavailableError from `check`, in one line.
 */
export function openBlobStore(location: LonghaulConfig['storage'], payloadKeys?: LonghaulConfig['payloadKeys']): BlobStore & { check(): Promise<void> } {
  const base = location.kind === 'local' ? Object.assign(new LocalBlobStore(location.dir), { check: async () => undefined }) : new S3BlobStore(s3ClientFor(location), location);
  // with a payload key, blobs are encrypted at rest too (encrypted-blob-store.ts)
  const sealed = payloadKeys ? new EncryptedBlobStore(base, payloadKeys) : base;
  const stored = location.kind === 'local' ? sealed : new CompressedBlobStore(sealed, jobLayout.isShardRequests);
  return stored === base ? base : Object.assign(stored, { check: () => base.check() });
}
