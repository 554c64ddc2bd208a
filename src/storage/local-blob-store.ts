import { createReadStream, createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { access, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { BlobNotFoundError, checkKey, type BlobStore, type BlobWriter } from './blob-store';

const FLUSH_AT = 1 << 20;

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
    const temp = `${final}.partial-${process.pid}-${Math.random().toString(36).slice(2)}`;
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
    const base = prefix.replace(/\/+$/, '');
    const dir = base ? this.pathOf(base) : this.root;
    const found: string[] = [];
    const walk = async (folder: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(folder, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const key = rel ? `${rel}/${entry.name}` : entry.name;
        if (entry.isDirectory()) await walk(path.join(folder, entry.name), key);
        else if (!entry.name.includes('.partial-')) found.push(key);
      }
    };
    await walk(dir, base);
    return found.sort();
  }

  localPath(key: string): string {
    return this.pathOf(key);
  }

  describe(key: string): string {
    return this.pathOf(key);
  }
}

class LocalBlobWriter implements BlobWriter {
  private pending: string[] = [];
  private pendingLength = 0;
  bytesWritten = 0;

  constructor(
    private readonly stream: WriteStream,
    private readonly temp: string,
    private readonly final: string,
  ) {}

  write(chunk: string): Promise<void> | void {
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    if (this.pendingLength >= FLUSH_AT) return this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const buffer = Buffer.from(this.pending.join(''), 'utf8');
    this.pending = [];
    this.pendingLength = 0;
    this.bytesWritten += buffer.length;
    if (!this.stream.write(buffer)) await once(this.stream, 'drain');
  }

  async close(): Promise<{ bytes: number }> {
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
