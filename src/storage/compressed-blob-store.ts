import { pipeline, type Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, createGzip, deflateRaw } from 'node:zlib';
import { blobReadStream, type BlobStore, type BlobWriter } from './blob-store';
import { BufferedBlobWriter } from './buffered-blob-writer';
import { LayeredBlobStore } from './layered-blob-store';

/** What gzip output starts with (RFC 1952); no text blob Longhaul writes does. */
const GZIP_MAGIC = [0x1f, 0x8b] as const;
/** zlib's output per chunk: fewer, larger writes into the inner store than its 16 KiB default. */
const ZLIB_CHUNK = 64 * 1024;
/** What a blob's first bytes must shrink by, deflated, for the blob to be stored compressed (SamplingWriter). */
const MIN_RATIO = 4;
const SAMPLE_BYTES = 1 << 20;
const deflateRawAsync = promisify(deflateRaw);

/**
 * Blobs of the kinds `compressed(key)` names written gzip-compressed (level 1) into another store when they
 * compress well (SamplingWriter decides from a blob's first MiB), and read back as they were written. Prepare's
 * shard files repeat the request template on every line (model, system prompt, output schema): a 200,000-item
 * job's ~140 MB of batch lines can be a few MB gzipped, so an object store receives, keeps and serves that much
 * less (the server's CPU, the network between workers and the bucket), and deflating costs the worker less than
 * sending the bytes would. Rows of long unique text compress too little to pay: those blobs stay as written.
 * Compression runs on libuv's threads, off the event loop; streamed both ways, never a whole blob in memory.
 *
 * A blob of those kinds is read by what it holds: gzip data (its magic bytes) is inflated, anything else is
 * read as it is, so blobs written before compression, by a store without it, or left plain, read the same.
 * Below an encrypting store's plaintext side it would compress ciphertext: wrap the encrypting store, not the
 * reverse. `entries` gives stored sizes; `size` gives the size as read (it inflates a compressed blob to count).
 */
export class CompressedBlobStore extends LayeredBlobStore {
  constructor(
    inner: BlobStore,
    private readonly compressed: (key: string) => boolean,
  ) {
    super(inner);
  }

  createWriter(key: string): BlobWriter {
    const target = this.inner.createWriter(key);
    return this.compressed(key) ? new SamplingWriter(target) : target;
  }

  read(key: string): Readable {
    const source = this.inner.read(key);
    if (!this.compressed(key)) return source;
    const out = blobReadStream(1 << 20);
    const failEarly = (err: Error) => out.destroy(err);
    const endEarly = () => {
      stopSniffing();
      out.end();
    };
    const stopSniffing = () => {
      source.off('readable', sniff);
      source.off('error', failEarly);
      source.off('end', endEarly);
    };
    function sniff() {
      // the first two bytes, or what is left of a shorter blob (null at its end: 'end' follows)
      const head = source.read(2) as Buffer | null;
      if (head === null) return;
      stopSniffing();
      source.unshift(head);
      const gzipped = head.length === 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
      const done = (err: Error | null) => {
        if (err) out.destroy(err);
      };
      if (gzipped) pipeline(source, createGunzip({ chunkSize: ZLIB_CHUNK }), out, done);
      else pipeline(source, out, done);
    }
    source.on('readable', sniff);
    source.on('error', failEarly);
    source.on('end', endEarly);
    out.on('close', () => {
      if (!source.destroyed) source.destroy();
    });
    return out;
  }

  async size(key: string): Promise<number | undefined> {
    if (!this.compressed(key)) return this.inner.size(key);
    if (!(await this.inner.exists(key))) return undefined;
    let bytes = 0;
    for await (const chunk of this.read(key)) bytes += (chunk as Buffer).length;
    return bytes;
  }

  localPath(key: string): string | undefined {
    return this.compressed(key) ? undefined : this.inner.localPath(key);
  }
}

/**
 * Decides from a blob's first SAMPLE_BYTES whether to store it compressed: deflated at level 1, the sample must
 * shrink at least MIN_RATIO times, else the blob is written as it is. Level-1 deflate runs at ~75 MB/s a thread on
 * rows of unique prose (2x smaller) and ~240 MB/s on short rows under a long template (6x); below about 4x, it
 * costs more CPU than sending the bytes saves, and one stream's deflate could hold back the prepare.
 */
class SamplingWriter implements BlobWriter {
  private sample: Buffer[] = [];
  private sampled = 0;
  private chosen: BlobWriter | undefined;
  private deciding: Promise<BlobWriter> | undefined;
  bytesWritten = 0;

  constructor(private readonly target: BlobWriter) {}

  write(chunk: string | Uint8Array): Promise<void> | void {
    this.bytesWritten += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (this.chosen) return this.chosen.write(chunk);
    // queued behind the decision, in order (then-callbacks run in the order they were added)
    if (this.deciding) return this.deciding.then((writer) => writer.write(chunk));
    // a copy, as the bytes are held past this call
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    this.sample.push(bytes);
    this.sampled += bytes.length;
    if (this.sampled >= SAMPLE_BYTES) return this.decide().then(() => undefined);
  }

  async close(): Promise<{ bytes: number }> {
    const writer = this.chosen ?? (await this.decide());
    await writer.close();
    return { bytes: this.bytesWritten };
  }

  async abort(): Promise<void> {
    const writer = this.deciding ? await this.deciding.catch(() => this.target) : this.target;
    await writer.abort();
  }

  private decide(): Promise<BlobWriter> {
    this.deciding ??= (async () => {
      const sample = Buffer.concat(this.sample);
      this.sample = [];
      const deflated = await deflateRawAsync(sample, { level: 1 });
      const writer = sample.length > 0 && deflated.length * MIN_RATIO <= sample.length ? gzipInto(this.target) : this.target;
      const flushing = writer.write(sample);
      if (flushing) await flushing;
      this.chosen = writer;
      return writer;
    })();
    return this.deciding;
  }
}

/** A writer that gzips what it is given into `target` (level 1, on libuv's threads), committing it on close. */
function gzipInto(target: BlobWriter): BlobWriter {
  const gzip = createGzip({ level: 1, chunkSize: ZLIB_CHUNK });
  const pumped = pump(gzip, target);
  pumped.catch(() => undefined); // seen by commit; a discarded blob's pump fails by design
  return new BufferedBlobWriter(gzip, {
    commit: async () => {
      await pumped;
      await target.close();
    },
    discard: () => target.abort(),
  });
}

/** Moves a gzip stream's output into a blob writer, waiting when the writer flushes. */
async function pump(gzip: Readable, target: BlobWriter): Promise<void> {
  for await (const chunk of gzip) {
    const flushing = target.write(chunk as Buffer);
    if (flushing) await flushing;
  }
}
