import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { BlobWriter } from './blob-store';

const FLUSH_AT = 1 << 20;

/** What makes a written blob visible under its key, or drops it. */
export interface BlobCommit {
  /** After the stream finished: the blob appears whole under its key (a rename, a completed upload). */
  commit(): Promise<void>;
  /** After the stream was destroyed: nothing appears, and what was written is removed. */
  discard(): Promise<void>;
}

/**
 * Encodes chunks straight into 1 MiB buffers (one copy, no joined strings) and hands each full buffer to a
 * stream (a temporary file, a multipart upload's body), waiting only when the stream is backed up; `close`
 * ends the stream and commits the blob, `abort` destroys it and discards. Every blob store writes this way.
 */
export class BufferedBlobWriter implements BlobWriter {
  private buffer = Buffer.allocUnsafe(FLUSH_AT);
  private used = 0;
  bytesWritten = 0;

  constructor(
    private readonly stream: Writable,
    private readonly blob: BlobCommit,
  ) {}

  /** Pending while a full buffer is handed over; writes made meanwhile queue behind it, in order. */
  private busy: Promise<void> | undefined;

  write(chunk: string | Uint8Array): Promise<void> | void {
    if (this.busy) return this.queue(this.busy.then(() => this.encode(chunk)));
    return this.encode(chunk);
  }

  private encode(chunk: string | Uint8Array): Promise<void> | void {
    if (typeof chunk !== 'string') return this.copy(chunk);
    // UTF-8 takes at most 3 bytes per UTF-16 code unit: if that fits, encode in place
    if (this.used + chunk.length * 3 <= this.buffer.length) {
      this.used += this.buffer.write(chunk, this.used);
      return;
    }
    return this.queue(
      this.flush().then(() => {
        if (chunk.length * 3 > this.buffer.length) return this.send(Buffer.from(chunk, 'utf8'));
        this.used += this.buffer.write(chunk, this.used);
      }),
    );
  }

  private copy(bytes: Uint8Array): Promise<void> | void {
    if (this.used + bytes.byteLength <= this.buffer.length) {
      this.buffer.set(bytes, this.used);
      this.used += bytes.byteLength;
      return;
    }
    return this.queue(
      this.flush().then(() => {
        // a large piece goes to the file as it is, not copied (the caller leaves it unchanged until written)
        if (bytes.byteLength > this.buffer.length) return this.send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        this.buffer.set(bytes, 0);
        this.used = bytes.byteLength;
      }),
    );
  }

  private queue(work: Promise<void>): Promise<void> {
    const tracked: Promise<void> = work.finally(() => {
      if (this.busy === tracked) this.busy = undefined;
    });
    this.busy = tracked;
    return tracked;
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const full = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafe(FLUSH_AT);
    this.used = 0;
    await this.send(full);
  }

  private async send(bytes: Buffer): Promise<void> {
    this.bytesWritten += bytes.length;
    if (!this.stream.write(bytes)) await once(this.stream, 'drain');
  }

  async close(): Promise<{ bytes: number }> {
    while (this.busy) await this.busy;
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
    await this.blob.commit();
    return { bytes: this.bytesWritten };
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await this.blob.discard();
  }
}
