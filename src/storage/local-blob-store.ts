import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { access, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BlobNotFoundError, blobReadStream, checkKey, checkPrefix, type BlobEntry, type BlobStore, type BlobWriter } from './blob-store';
import { BufferedBlobWriter } from './buffered-blob-writer';

/** What names a blob still being written: `<key>.partial-<pid>-<random>`, renamed to `<key>` when closed. */
const PARTIAL = '.partial-';

/** A BlobStore over a local directory: the embedded default. Safe for several processes on one machine. */
export class LocalBlobStore implements BlobStore {
  readonly local = true;

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
    return new BufferedBlobWriter(createWriteStream(temp), {
      commit: () => rename(temp, final),
      discard: () => rm(temp, { force: true }),
    });
  }

  read(key: string): Readable {
    const file = this.pathOf(key);
    const out = blobReadStream();
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

  async entries(prefix: string): Promise<BlobEntry[]> {
    const keys = await this.list(prefix);
    const found: BlobEntry[] = [];
    for (const key of keys) {
      const info = await stat(this.pathOf(key)).catch(() => undefined);
      if (info?.isFile()) found.push({ key, bytes: info.size, modifiedMs: info.mtimeMs });
    }
    return found;
  }

  /** Removes the prefix's folder with everything in it (a prefix names a folder here, as in `list`). */
  async deletePrefix(prefix: string): Promise<number> {
    const base = checkPrefix(prefix).replace(/\/+$/, '');
    const blobs = (await this.list(base)).length;
    await rm(this.pathOf(base), { recursive: true, force: true });
    return blobs;
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

  async size(key: string): Promise<number | undefined> {
    return stat(this.pathOf(key)).then((s) => (s.isFile() ? s.size : undefined), () => undefined);
  }

  localPath(key: string): string {
    return this.pathOf(key);
  }

  describe(key: string): string {
    return this.pathOf(key);
  }
}
