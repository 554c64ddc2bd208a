import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { BlobStore } from '../../src/storage/blob-store';
import { BLOB_MAGIC } from '../../src/storage/encrypted-blob-store';
import { openBlobStore } from '../../src/storage/open-blob-store';
import { S3BlobStore, s3ClientFor } from '../../src/storage/s3-blob-store';
import { testS3 } from '../support/store-servers';

const SHARD = 'jobs/j1/g0/r0/shard-00000.jsonl';

async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function put(blobs: BlobStore, key: string, body: string | Buffer): Promise<void> {
  const writer = blobs.createWriter(key);
  await writer.write(body);
  await writer.close();
}

/** Batch lines as prepare writes them: a long template around a short row (what shard files mostly are). */
function templatedLines(count: number): string {
  const template = { model: 'gpt-4o-mini', system: 'You classify support tickets. '.repeat(20), schema: { type: 'object', properties: { category: { enum: ['billing', 'bug', 'other'] } } } };
  let text = '';
  for (let i = 0; i < count; i++) text += JSON.stringify({ custom_id: `i-${i}`, body: { ...template, user: `Ticket ${i}: my invoice ${i * 7919} was charged twice` } }) + '\n';
  return text;
}

/** S3 as workers open it (openBlobStore) and the same bucket as it is, object by object. */
async function opened(keys?: Parameters<typeof openBlobStore>[1]) {
  const location = await testS3().location('lh');
  const { kind: _kind, ...raw } = location;
  return { blobs: openBlobStore(location, keys), bucket: new S3BlobStore(s3ClientFor(raw), raw) };
}

describe('S3 as workers open it: shard files stored gzip-compressed when they compress well', () => {
  it('keeps a templated shard file gzipped in the bucket, reads it back byte for byte, and sizes it as read', async () => {
    const { blobs, bucket } = await opened();
    const text = templatedLines(20_000); // ~10 MB, several multipart parts before compression
    const writer = blobs.createWriter(SHARD);
    for (let at = 0; at < text.length; at += 100_000) {
      const flushing = writer.write(text.slice(at, at + 100_000));
      if (flushing) await flushing;
    }
    expect(await writer.close()).toEqual({ bytes: Buffer.byteLength(text) });
    const stored = await bytesOf(bucket.read(SHARD));
    expect([stored[0], stored[1]]).toEqual([0x1f, 0x8b]);
    expect(stored.length * 10).toBeLessThan(Buffer.byteLength(text));
    expect((await bytesOf(blobs.read(SHARD))).toString()).toBe(text);
    expect(await blobs.size(SHARD)).toBe(Buffer.byteLength(text));
    expect((await blobs.entries('jobs/j1/'))[0]!.bytes).toBe(stored.length);
  });

  it('stores as written what compresses too little to pay (unique text), other kinds of blob, and empty blobs', async () => {
    const { blobs, bucket } = await opened();
    const unique = randomBytes(3 << 20).toString('base64');
    await put(blobs, SHARD, unique);
    expect((await bytesOf(bucket.read(SHARD))).toString()).toBe(unique);
    expect((await bytesOf(blobs.read(SHARD))).toString()).toBe(unique);
    const results = templatedLines(2_000);
    await put(blobs, 'jobs/j1/results.jsonl', results);
    expect((await bytesOf(bucket.read('jobs/j1/results.jsonl'))).toString()).toBe(results);
    await put(blobs, 'jobs/j1/g0/r0/shard-00001.manifest.tsv', '');
    expect(await bytesOf(blobs.read('jobs/j1/g0/r0/shard-00001.manifest.tsv'))).toEqual(Buffer.alloc(0));
    expect(await blobs.size('jobs/j1/g0/r0/shard-00001.manifest.tsv')).toBe(0);
    expect(await blobs.size('jobs/j1/g0/r0/shard-00009.jsonl')).toBeUndefined();
  });

  it('reads shard files written plain (before compression, or by another store) as they are; a cut-off gzip blob fails', async () => {
    const { blobs, bucket } = await opened();
    await put(bucket, SHARD, '{"custom_id":"i-0"}\n');
    expect((await bytesOf(blobs.read(SHARD))).toString()).toBe('{"custom_id":"i-0"}\n');
    await put(bucket, 'jobs/j1/g0/r0/shard-00001.jsonl', 'x');
    expect((await bytesOf(blobs.read('jobs/j1/g0/r0/shard-00001.jsonl'))).toString()).toBe('x');
    const whole = gzipSync(templatedLines(1_000));
    await put(bucket, 'jobs/j1/g0/r0/shard-00002.jsonl', whole.subarray(0, whole.length - 100));
    await expect(bytesOf(blobs.read('jobs/j1/g0/r0/shard-00002.jsonl'))).rejects.toThrow(/unexpected end of file/);
    await expect(bytesOf(blobs.read('jobs/j1/g0/r0/shard-00003.jsonl'))).rejects.toThrow('blob not found: jobs/j1/g0/r0/shard-00003.jsonl');
    // a reader that never listens (a library reading lazily) does not take the process down with the failure
    const unread = blobs.read('jobs/j1/g0/r0/shard-00004.jsonl');
    await new Promise((resolve) => unread.once('close', resolve));
    expect(unread.errored).toMatchObject({ name: 'BlobNotFoundError' });
  });

  it('with a payload key, compresses before it encrypts: the object is sealed and still a fraction of the text', async () => {
    const { blobs, bucket } = await opened([{ id: 'k1', key: randomBytes(32).toString('base64') }]);
    const text = templatedLines(5_000);
    await put(blobs, SHARD, text);
    const stored = await bytesOf(bucket.read(SHARD));
    expect(stored.subarray(0, BLOB_MAGIC.length)).toEqual(BLOB_MAGIC);
    expect(stored.length * 10).toBeLessThan(Buffer.byteLength(text));
    expect((await bytesOf(blobs.read(SHARD))).toString()).toBe(text);
  });
});
