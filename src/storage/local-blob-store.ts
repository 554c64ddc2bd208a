import { createReadStream, createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { access, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { BlobNotFoundError, checkKey, type BlobStore, type BlobWriter } from './blob-store';

const FLUSH_AT = 1 << 20;
/** What names a blob still being written: `<key>.partial-<pid>-<random>`, renamed to `<key>` when closed. */
const PARTIAL = '.partial-';

/** A BlobStore over a local directory: the embedded default. Safe for several processes on one machine. */
export class LocalBlobStore implements BlobStore {
  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  private pathOf(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  createWriter(key: string): BlobWriter {
    const final = this.pathOf(key);
    mkdirSync(path.dirname(final), { recursive: true });
    const temp = `${final}${PARTIAL}${process.pid}-${Math.random().toString(36).slice(2)}`;
    return new LocalBlobWriter(createWriteStream(temp), temp, final);
  }

  read(key: string): Readable {
    const file = this.pathOf(key);
    const out = new PassThrough();
    const source = createReadStream(file, { highWaterMark: 1 << 20 });
    source.on('error', (err: NodeJS.ErrnoException) => out.destroy(err.code === 'ENOENT' ? new BlobNotFoundError(key) : err));
    return source.pipe(out);
  }

  async exists(key: string): Promise<boolean> {
    try {
      await access(this.pathOf(key));
      return true;
    } catch {
      return false;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async list(prefix: string): Promise<string[]> {
    const found: string[] = [];
    await this.walk(prefix, (key, name) => {
      if (!name.includes(PARTIAL)) found.push(key);
    });
    return found.sort();
  }

  /** Deletes the temporary files of writers that never closed (`<key>.partial-<pid>-<random>`). */
  async removeUnfinished(prefix: string): Promise<number> {
    const partials: string[] = [];
    await this.walk(prefix, (key, name) => {
      if (name.includes(PARTIAL)) partials.push(key);
    });
    for (const key of partials) await rm(path.join(this.root, ...key.split('/')), { force: true });
    return partials.length;
  }

  /** Calls `each` with every file under a prefix (its key relative to the root, and its file name). */
  private async walk(prefix: string, each: (key: string, name: string) => void): Promise<void> {
    const base = prefix.replace(/\/+$/, '');
    const visit = async (folder: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(folder, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const key = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) await visit(path.join(folder, entry.name), key);
        else each(key, entry.name);
      }
    };
    await visit(base ? this.pathOf(base) : this.root, base);
  }

  localPath(key: string): string {
    return this.pathOf(key);
  }

  describe(key: string): string {
    return this.pathOf(key);
  }
}

/**
 * Encodes chunks straight into 1 MiB buffers (one copy, no joined strings) and hands each full buffer to the
 * file stream, waiting only when the stream is backed up.
 */
class LocalBlobWriter implements BlobWriter {
  private buffer = Buffer.allocUnsafe(FLUSH_AT);
  private used = 0;
  bytesWritten = 0;

  constructor(
    private readonly stream: WriteStream,
    private readonly temp: string,
    private readonly final: string,
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
    await rename(this.temp, this.final);
    return { bytes: this.bytesWritten };
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    await rm(this.temp, { force: true });
  }
}
