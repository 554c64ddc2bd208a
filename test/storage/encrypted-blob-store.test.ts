import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { BlobKeyUnknownError, BlobTamperedError, EncryptedBlobStore, SEGMENT_BYTES } from '../../src/storage/encrypted-blob-store';
import { LocalBlobStore } from '../../src/storage/local-blob-store';
import { tempDir } from '../support/temp-dirs';

const KEY_A = { id: 'key-a', key: randomBytes(32).toString('base64') };
const KEY_B = { id: 'key-b', key: randomBytes(32).toString('base64') };
const MARKER = 'BLOBMARK-4d1e';

async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** A blob of `size` bytes that holds the marker, written in pieces of odd sizes, strings and bytes alternately. */
async function writeBlob(store: EncryptedBlobStore, key: string, size: number): Promise<Buffer> {
  const text = Buffer.from((MARKER + ' line of text é\n').repeat(Math.ceil(size / 20) + 1)).subarray(0, size);
  const writer = store.createWriter(key);
  for (let at = 0, i = 0; at < text.length; i++) {
    const piece = text.subarray(at, at + 1 + ((i * 7919) % 40_000));
    await writer.write(i % 2 ? Buffer.from(piece) : new Uint8Array(piece));
    at += piece.length;
  }
  expect(await writer.close()).toEqual({ bytes: size });
  return text;
}

/**
 * Blobs encrypted at rest with the payload key ring: what is on the disk is ciphertext in sealed segments, and
 * every way of changing it (a byte, a cut, a dropped segment, a blob moved to another key) fails to read.
 */
describe('blobs encrypted at rest', () => {
  const dir = tempDir('longhaul-sealed-');
  const plain = new LocalBlobStore(dir);
  const sealed = new EncryptedBlobStore(plain, [KEY_A]);

  it.each([0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 3 * SEGMENT_BYTES + 5, 1_000_003])('reads back %i bytes as written, with their plaintext size; none of it is in the clear on disk', async (size) => {
    const key = `jobs/sizes/${size}.jsonl`;
    const text = await writeBlob(sealed, key, size);
    expect((await bytesOf(sealed.read(key))).equals(text)).toBe(true);
    expect(await sealed.size(key)).toBe(size);
    const onDisk = readFileSync(plain.localPath(key)!);
    expect(onDisk.includes(MARKER)).toBe(false);
    expect(sealed.localPath(key)).toBeUndefined();
  });

  it('refuses a changed byte, a cut-off end, a dropped segment and a blob moved to another key', async () => {
    await writeBlob(sealed, 'jobs/t/blob.jsonl', 3 * SEGMENT_BYTES + 100);
    const file = plain.localPath('jobs/t/blob.jsonl')!;
    const good = readFileSync(file);
    const header = good.length - (3 * SEGMENT_BYTES + 100) - 4 * 16;
    const whole = SEGMENT_BYTES + 16;
    const variants: Array<[string, Buffer]> = [
      ['changed', Buffer.from(good.map((b, i) => (i === header + 1000 ? b ^ 1 : b)))],
      ['cut at a segment boundary', good.subarray(0, header + 3 * whole)],
      ['cut inside a segment', good.subarray(0, good.length - 50)],
      ['a segment dropped', Buffer.concat([good.subarray(0, header + whole), good.subarray(header + 2 * whole)])],
    ];
    for (const [what, bytes] of variants) {
      writeFileSync(file, bytes);
      await expect(bytesOf(sealed.read('jobs/t/blob.jsonl')).then(() => what)).rejects.toThrow(BlobTamperedError);
    }
    writeFileSync(file, good);
    await writeBlob(sealed, 'jobs/t/other.jsonl', 10);
    writeFileSync(plain.localPath('jobs/t/other.jsonl')!, good);
    await expect(bytesOf(sealed.read('jobs/t/other.jsonl'))).rejects.toThrow(new BlobTamperedError('jobs/t/other.jsonl'));
    expect((await bytesOf(sealed.read('jobs/t/blob.jsonl'))).length).toBe(3 * SEGMENT_BYTES + 100);
  });

  it('rotates: a new first key encrypts, the old one still decrypts; without it the error names the key id', async () => {
    const text = await writeBlob(sealed, 'jobs/r/old.jsonl', 5000);
    const rotated = new EncryptedBlobStore(plain, [KEY_B, KEY_A]);
    expect((await bytesOf(rotated.read('jobs/r/old.jsonl'))).equals(text)).toBe(true);
    await writeBlob(rotated, 'jobs/r/new.jsonl', 10);
    expect(readFileSync(plain.localPath('jobs/r/new.jsonl')!).includes('key-b')).toBe(true);
    const withoutA = new EncryptedBlobStore(plain, [KEY_B]);
    await expect(bytesOf(withoutA.read('jobs/r/old.jsonl'))).rejects.toThrow(new BlobKeyUnknownError('jobs/r/old.jsonl', 'key-a'));
  });

  it('reads blobs written before encryption was on as they are', async () => {
    for (const body of ['', '{', '{"a":1}\n'.repeat(20_000)]) {
      const writer = plain.createWriter('jobs/p/plain.jsonl');
      await writer.write(body);
      await writer.close();
      expect((await bytesOf(sealed.read('jobs/p/plain.jsonl'))).toString()).toBe(body);
      expect(await sealed.size('jobs/p/plain.jsonl')).toBe(body.length);
    }
  });
});
