import { blobStoreLocation } from '../config/store-urls';
import { S3_URL_PREFIX } from '../dataset/dataset-reader';
import { InvalidSpecError } from '../spec/spec-errors';
import type { BlobStore } from '../storage/blob-store';
import { LocalBlobStore } from '../storage/local-blob-store';
import { S3BlobStore, s3ClientFor } from '../storage/s3-blob-store';

/**
 * The blob store a plan reads its dataset with: for an `s3://bucket/key` dataset, that bucket through the S3
 * endpoint, region and credentials of the standard AWS variables and profiles (the way workers read it in
 * place; LONGHAUL_BLOB_STORE need not be S3, as a plan writes nothing); else a scratch directory, where inline
 * rows go. `close` releases the S3 client's sockets.
 * @throws InvalidSpecError on `dataset.path` for a bad bucket name, on AWS_ENDPOINT_URL_S3 for a bad endpoint.
 */
export function planDatasetStore(dataset: object, scratch: string, env: NodeJS.ProcessEnv): { blobs: BlobStore; close(): void } {
  const url = 'path' in dataset && typeof dataset.path === 'string' ? dataset.path : '';
  if (!url.startsWith(S3_URL_PREFIX)) return { blobs: new LocalBlobStore(scratch), close: () => undefined };
  const bucket = url.slice(S3_URL_PREFIX.length).split('/')[0]!;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new InvalidSpecError([{ path: 'dataset.path', message: `"${bucket}" is not a valid bucket name in ${url} (expected s3://bucket/key)` }]);
  }
  const location = blobStoreLocation(`${S3_URL_PREFIX}${bucket}`, env) as Extract<ReturnType<typeof blobStoreLocation>, { kind: 's3' }>;
  const s3 = s3ClientFor(location);
  return { blobs: new S3BlobStore(s3, location), close: () => s3.destroy() };
}
