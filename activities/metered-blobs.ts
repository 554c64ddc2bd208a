import { Readable } from 'node:stream';
import type { BlobStore, BlobWriter } from '../src/storage/blob-store';

/** Bytes an activity moved through its blob store (text written counts its characters): part of its heartbeat progress. */
export interface BlobMeter {
  bytesRead: number;
  bytesWritten: number;
}

export const newMeter = (): BlobMeter => ({ bytesRead: 0, bytesWritten: 0 });

/**
 * The activity's view of the blob store: counts the bytes read and written (so a long upload, download or
 * result file shows progress), and stops at the next chunk once `signal` is aborted (the activity was
 * cancelled or abandoned as stalled): a read rejects with the signal's reason, even one waiting on a chunk
 * that never comes, and a write throws it, so the caller's usual error path aborts its writers.
 */
export function meteredBlobs(blobs: BlobStore, signal: AbortSignal, meter: BlobMeter = newMeter()): BlobStore & { meter: BlobMeter } {
  const store: BlobStore & { meter: BlobMeter } = {
    meter,
    local: blobs.local,
    createWriter: (key) => meteredWriter(blobs.createWriter(key), signal, meter),
    read: (key) => meteredRead(blobs.read(key), signal, meter),
    exists: (key) => blobs.exists(key),
    delete: (key) => blobs.delete(key),
    list: (prefix) => blobs.list(prefix),
    entries: (prefix) => blobs.entries(prefix),
    deletePrefix: (prefix) => blobs.deletePrefix(prefix),
    removeUnfinished: (prefix) => blobs.removeUnfinished(prefix),
    size: (key) => blobs.size(key),
    localPath: (key) => blobs.localPath(key),
    describe: (key) => blobs.describe(key),
  };
  if (blobs.bucket) store.bucket = (name) => meteredBlobs(blobs.bucket!(name), signal, meter);
  return store;
}

function meteredWriter(writer: BlobWriter, signal: AbortSignal, meter: BlobMeter): BlobWriter {
  return {
    write(chunk) {
      signal.throwIfAborted();
      meter.bytesWritten += typeof chunk === 'string' ? chunk.length : chunk.byteLength; // text: UTF-16 units, cheap enough for hot loops
      return writer.write(chunk);
    },
    close: () => {
      signal.throwIfAborted();
      return writer.close();
    },
    abort: () => writer.abort(),
    get bytesWritten() {
      return writer.bytesWritten;
    },
  };
}

function meteredRead(source: Readable, signal: AbortSignal, meter: BlobMeter): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    try {
      for (;;) {
        signal.throwIfAborted();
        const next = await untilAborted(it.next(), signal);
        if (next.done) return;
        meter.bytesRead += next.value.length;
        yield next.value;
      }
    } finally {
      source.destroy(); // not it.return(): a read that hangs would hang the cleanup too
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/** `promise`, or the signal's reason as soon as it is aborted. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (err: unknown) => (signal.removeEventListener('abort', onAbort), reject(err as Error)),
    );
  });
}
