import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { openKeyRing, type PayloadKey } from '../codec/payload-keys';
import type { BlobStore, BlobWriter } from './blob-store';
import { LayeredBlobStore } from './layered-blob-store';

/**
 * Blobs encrypted at rest with the payload key ring (LONGHAUL_PAYLOAD_KEY): every blob Longhaul writes (uploaded
 * datasets, inline rows, shard files, manifests, provider output, results, reports) is AES-256-GCM ciphertext on
 * the disk or in the bucket, and only a process with the key reads it. Streamed both ways in segments, never a
 * whole blob in memory:
 *
 *   header   MAGIC (8) | key id length (1) | key id (1-64) | nonce prefix (8, random per blob)
 *   segments SEGMENT_BYTES of plaintext each, the last one shorter (possibly empty), each sealed with its tag (16)
 *
 * A segment's nonce is the blob's prefix and its index; its associated data names the blob key, the index and
 * whether it is the last, so a segment moved, dropped, cut off or copied into another blob fails to open
 * (BlobTamperedError). Blobs written before the key was set (no MAGIC) read as they are; the first key of the ring
 * encrypts, every key decrypts (rotation as for payloads). `localPath` is undefined: a reader that would open the
 * file itself (the thread pools) streams through here instead. `entries` gives the stored (ciphertext) sizes.
 */
export const BLOB_MAGIC = Buffer.from('LHBLOBE1');
export const SEGMENT_BYTES = 64 * 1024;
const TAG_BYTES = 16;
const PREFIX_BYTES = 8;

/** What a blob of `plainBytes` weighs stored, sealed with key `keyId` (what `entries` and the disk show). */
export function sealedBytes(plainBytes: number, keyId: string): number {
  return BLOB_MAGIC.length + 1 + Buffer.byteLength(keyId) + PREFIX_BYTES + plainBytes + TAG_BYTES * (Math.floor(plainBytes / SEGMENT_BYTES) + 1);
}

/** A blob sealed with a key this process does not have. */
export class BlobKeyUnknownError extends Error {
  override readonly name = 'BlobKeyUnknownError';
  constructor(
    readonly key: string,
    readonly keyId: string,
  ) {
    super(`blob ${key} is encrypted with key ${keyId}, which LONGHAUL_PAYLOAD_KEY does not hold`);
  }
}

/** A blob whose ciphertext does not open: changed, cut short, or moved from another key. */
export class BlobTamperedError extends Error {
  override readonly name = 'BlobTamperedError';
  constructor(readonly key: string) {
    super(`blob ${key} does not decrypt: it was changed, cut short or moved (AES-256-GCM authentication failed)`);
  }
}

export class EncryptedBlobStore extends LayeredBlobStore {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly encryptWith: string;

  constructor(inner: BlobStore, ring: readonly PayloadKey[]) {
    super(inner);
    ({ keys: this.keys, encryptWith: this.encryptWith } = openKeyRing(ring));
  }

  createWriter(key: string): BlobWriter {
    return new SealingWriter(this.inner.createWriter(key), key, this.encryptWith, this.keys.get(this.encryptWith)!);
  }

  read(key: string): Readable {
    const opening = new OpeningTransform(key, this.keys);
    const source = this.inner.read(key);
    source.on('error', (err) => opening.destroy(err));
    opening.on('close', () => source.destroy());
    return source.pipe(opening);
  }

  /** The plaintext size: the stored size less the header and a tag per segment (reads the header). */
  async size(key: string): Promise<number | undefined> {
    const stored = await this.inner.size(key);
    if (stored === undefined) return undefined;
    const head = await this.head(key);
    if (!head.subarray(0, BLOB_MAGIC.length).equals(BLOB_MAGIC)) return stored;
    const body = stored - (BLOB_MAGIC.length + 1 + head[BLOB_MAGIC.length]! + PREFIX_BYTES);
    const segments = Math.floor((body - TAG_BYTES) / (SEGMENT_BYTES + TAG_BYTES)) + 1;
    return body - segments * TAG_BYTES;
  }

  localPath(_key: string): string | undefined {
    return undefined;
  }

  /** The first bytes of a stored blob (its header, when it has one). */
  private async head(key: string): Promise<Buffer> {
    const want = BLOB_MAGIC.length + 1;
    const chunks: Buffer[] = [];
    let have = 0;
    const source = this.inner.read(key);
    try {
      for await (const chunk of source) {
        chunks.push(Buffer.from(chunk as Uint8Array));
        have += (chunk as Uint8Array).length;
        if (have >= want) break;
      }
    } finally {
      source.destroy();
    }
    return Buffer.concat(chunks);
  }
}

/** What a segment is bound to: its blob, its place, and whether it ends the blob. */
function segmentAad(key: string, index: number, last: boolean): Buffer {
  return Buffer.from(`longhaul blob\0${key}\0${index}\0${last ? 1 : 0}`);
}

function segmentNonce(prefix: Buffer, index: number): Buffer {
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, PREFIX_BYTES);
  return nonce;
}

/** Buffers plaintext into segments and writes each sealed; the last (possibly empty) one on close. */
class SealingWriter implements BlobWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0;
  private plainBytes = 0;
  private readonly prefix = randomBytes(PREFIX_BYTES);
  private started = false;

  constructor(
    private readonly inner: BlobWriter,
    private readonly key: string,
    private readonly keyId: string,
    private readonly secret: Buffer,
  ) {}

  get bytesWritten(): number {
    return this.plainBytes;
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    // a copy: writers may reuse the buffer they handed over once the write resolves
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    if (bytes.length === 0) return;
    this.plainBytes += bytes.length;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    // a segment is written only once more follows it: the one that ends the blob is sealed as the last
    while (this.pendingBytes > SEGMENT_BYTES) await this.seal(this.take(SEGMENT_BYTES), false);
  }

  async close(): Promise<{ bytes: number }> {
    await this.seal(this.take(this.pendingBytes), true);
    await this.inner.close();
    return { bytes: this.plainBytes };
  }

  abort(): Promise<void> {
    this.pending = [];
    return this.inner.abort();
  }

  private take(bytes: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const segment = all.subarray(0, bytes);
    const rest = all.subarray(bytes);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return segment;
  }

  private async seal(plain: Buffer, last: boolean): Promise<void> {
    if (!this.started) {
      const id = Buffer.from(this.keyId);
      await this.inner.write(Buffer.concat([BLOB_MAGIC, Buffer.from([id.length]), id, this.prefix]));
      this.started = true;
    }
    const cipher = createCipheriv('aes-256-gcm', this.secret, segmentNonce(this.prefix, this.index));
    cipher.setAAD(segmentAad(this.key, this.index, last));
    this.index++;
    await this.inner.write(Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]));
  }
}

/** Opens a stored blob segment by segment; passes a blob without the header through as it is. */
class OpeningTransform extends Transform {
  private buffered: Buffer = Buffer.alloc(0);
  private mode: 'header' | 'sealed' | 'plain' = 'header';
  private secret?: Buffer;
  private prefix?: Buffer;
  private index = 0;

  constructor(
    private readonly key: string,
    private readonly keys: ReadonlyMap<string, Buffer>,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.mode === 'plain') return done(null, chunk);
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    try {
      if (this.mode === 'header' && !this.readHeader(false)) return done();
      if (this.passingThrough) {
        const all = this.buffered;
        this.buffered = Buffer.alloc(0);
        return done(null, all);
      }
      // a full segment is opened only once more follows it: the blob's last one is opened at the end
      const whole = SEGMENT_BYTES + TAG_BYTES;
      let at = 0;
      while (this.buffered.length - at > whole) {
        this.push(this.open(this.buffered.subarray(at, at + whole), false));
        at += whole;
      }
      this.buffered = this.buffered.subarray(at);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (this.mode === 'header' && !this.readHeader(true)) return done();
      if (this.passingThrough) return done(null, this.buffered.length > 0 ? this.buffered : undefined);
      if (this.buffered.length < TAG_BYTES) throw new BlobTamperedError(this.key);
      this.push(this.open(this.buffered, true));
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  /** A blob without the header (written before encryption was on): passed through. */
  private get passingThrough(): boolean {
    return this.mode === 'plain';
  }

  /** Reads the header once enough bytes are there; false while more are needed. */
  private readHeader(ended: boolean): boolean {
    const b = this.buffered;
    if (b.length < BLOB_MAGIC.length + 1 && !ended && BLOB_MAGIC.subarray(0, b.length).equals(b)) return false;
    if (b.length < BLOB_MAGIC.length || !b.subarray(0, BLOB_MAGIC.length).equals(BLOB_MAGIC)) {
      this.mode = 'plain';
      return true;
    }
    const idLength = b[BLOB_MAGIC.length]!;
    const headerBytes = BLOB_MAGIC.length + 1 + idLength + PREFIX_BYTES;
    if (b.length < headerBytes) {
      if (ended) throw new BlobTamperedError(this.key);
      return false;
    }
    const keyId = b.subarray(BLOB_MAGIC.length + 1, BLOB_MAGIC.length + 1 + idLength).toString();
    this.secret = this.keys.get(keyId);
    if (!this.secret) throw new BlobKeyUnknownError(this.key, keyId);
    this.prefix = Buffer.from(b.subarray(headerBytes - PREFIX_BYTES, headerBytes));
    this.buffered = b.subarray(headerBytes);
    this.mode = 'sealed';
    return true;
  }

  private open(sealed: Buffer, last: boolean): Buffer {
    const decipher = createDecipheriv('aes-256-gcm', this.secret!, segmentNonce(this.prefix!, this.index));
    decipher.setAAD(segmentAad(this.key, this.index, last));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    this.index++;
    try {
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new BlobTamperedError(this.key);
    }
  }
}
