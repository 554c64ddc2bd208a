import { PassThrough, type Readable } from 'node:stream';

/**
 * Writes one blob. Chunks are buffered and flushed in large writes; nothing is visible under the key until
 * `close()` commits it whole (a crash leaves no half file). `abort()` discards it. `write` returns a promise
 * only when it flushed (await it then); hot loops skip the await otherwise.
 */
export interface BlobWriter {
  /** Text is written as UTF-8; bytes as they are (they must not change until written). */
  write(chunk: string | Uint8Array): Promise<void> | void;
  close(): Promise<{ bytes: number }>;
  abort(): Promise<void>;
  readonly bytesWritten: number;
}

/**
 * The stream a blob store's `read` hands out, its bytes piped in: a failure (a missing blob, a lost connection)
 * is held for whoever reads it, so a reader that never listens (a client library reading it lazily) does not
 * take the process down with it.
 */
export function blobReadStream(highWaterMark?: number): PassThrough {
  const out = new PassThrough(highWaterMark === undefined ? {} : { highWaterMark });
  out.on('error', () => undefined);
  return out;
}

/** A blob as a listing sees it. */
export interface BlobEntry {
  key: string;
  bytes: number;
  /** When it was last written, in epoch milliseconds. */
  modifiedMs: number;
}

/**
 * Where Longhaul keeps its files: shards, downloaded provider outputs, results, reports. Keys are `/`
 * separated relative paths (`jobs/<jobId>/g0/r0/shard-00000.jsonl`). The embedded default is a local
 * directory; a cluster uses S3-compatible storage behind the same interface.
 */
export interface BlobStore {
  /** True for a directory on this machine; false for an object store that workers on other machines share. */
  readonly local: boolean;
  createWriter(key: string): BlobWriter;
  /** Streams a blob. @throws BlobNotFoundError (on first read) when the key is missing. */
  read(key: string): Readable;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;
  /** The blobs under a prefix with their sizes and write times, sorted by key (unfinished writes left out). */
  entries(prefix: string): Promise<BlobEntry[]>;
  /**
   * Deletes every blob under a prefix, unfinished writes included; returns how many finished blobs went. The
   * prefix names a folder (`jobs/j1` and `jobs/j1/` alike; never `jobs/j10/`) and never the whole store.
   * Idempotent (0 when nothing is there). Only for prefixes nothing writes to any more.
   */
  deletePrefix(prefix: string): Promise<number>;
  /**
   * Discards writes under a prefix that never closed (a process killed mid-write leaves them behind); returns
   * how many. Only for prefixes nothing writes to any more: a writer still open there loses its blob.
   */
  removeUnfinished(prefix: string): Promise<number>;
  /** The size of a blob in bytes; undefined when it does not exist. */
  size(key: string): Promise<number | undefined>;
  /** A path on this machine when the store is a local directory (for tools that want a file), else undefined. */
  localPath(key: string): string | undefined;
  /**
   * Another bucket of the same object store, read with this store's client and credentials: how `s3://` dataset
   * URLs are read in place. Only object stores have it.
   */
  bucket?(name: string): BlobStore;
  /** Where a key is, for people: a file path or a URL. */
  describe(key: string): string;
}

export class BlobNotFoundError extends Error {
  override readonly name = 'BlobNotFoundError';
  constructor(readonly key: string) {
    super(`blob not found: ${key}`);
  }
}

/** Rejects keys that could escape the store's root. */
export function checkKey(key: string): string {
  if (!key || key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '')) {
    throw new Error(`invalid blob key: ${JSON.stringify(key)}`);
  }
  return key;
}

/** Rejects prefixes that could escape the store's root or name all of it (a prefix delete must name a folder). */
export function checkPrefix(prefix: string): string {
  const base = prefix.replace(/\/+$/, '');
  if (!base) throw new Error('invalid blob prefix: the whole store');
  checkKey(base);
  return prefix;
}
