import type { Readable } from 'node:stream';
import type { BlobEntry, BlobStore, BlobWriter } from './blob-store';

/**
 * A blob store that changes how blobs are written and read (encrypted, compressed) on top of another, which
 * keeps them: listing, deleting, sweeping unfinished writes and naming a key pass through to it unchanged, and
 * another bucket of an object store (an `s3://` dataset read in place) is the user's data, read as it is.
 */
export abstract class LayeredBlobStore implements BlobStore {
  readonly bucket?: (name: string) => BlobStore;

  constructor(protected readonly inner: BlobStore) {
    if (inner.bucket) this.bucket = (name) => inner.bucket!(name);
  }

  abstract createWriter(key: string): BlobWriter;
  abstract read(key: string): Readable;
  abstract size(key: string): Promise<number | undefined>;
  abstract localPath(key: string): string | undefined;

  get local(): boolean {
    return this.inner.local;
  }
  exists(key: string): Promise<boolean> {
    return this.inner.exists(key);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
  entries(prefix: string): Promise<BlobEntry[]> {
    return this.inner.entries(prefix);
  }
  deletePrefix(prefix: string): Promise<number> {
    return this.inner.deletePrefix(prefix);
  }
  removeUnfinished(prefix: string): Promise<number> {
    return this.inner.removeUnfinished(prefix);
  }
  describe(key: string): string {
    return this.inner.describe(key);
  }
}
