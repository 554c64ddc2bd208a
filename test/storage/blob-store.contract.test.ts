import { S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { BlobNotFoundError, type BlobStore } from '../../src/storage/blob-store';
import { EncryptedBlobStore, sealedBytes } from '../../src/storage/encrypted-blob-store';
import { LocalBlobStore } from '../../src/storage/local-blob-store';
import { openBlobStore } from '../../src/storage/open-blob-store';
import { S3BlobStore } from '../../src/storage/s3-blob-store';
import { StorageUnavailableError } from '../../src/storage/storage-errors';
import { testS3 } from '../support/store-servers';
import { tempDir } from '../support/temp-dirs';

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

/** A key ring for the encrypted variants (the payload key, which encrypts blobs at rest too). */
const RING = [{ id: 'contract', key: randomBytes(32).toString('base64') }];

/**
 * The BlobStore contract: every implementation passes the same tests. `sealed`: blobs are encrypted at rest,
 * so `entries` lists their stored (sealed) sizes; `compressesShards`: shard files are stored gzip-compressed, so
 * their stored size is not the size written.
 */
function blobStoreContract(name: string, open: () => Promise<BlobStore>, { sealed = false, compressesShards = false } = {}) {
  const stored = (plainBytes: number) => (sealed ? sealedBytes(plainBytes, RING[0]!.id) : plainBytes);
  const storedShard = (plainBytes: number) => (compressesShards ? expect.any(Number) : stored(plainBytes));
  describe(`BlobStore contract: ${name}`, () => {
    let blobs: BlobStore;
    beforeAll(async () => {
      blobs = await open();
    });

    it('writes a blob that appears only when closed, reads it back, lists and deletes it', async () => {
      const writer = blobs.createWriter('jobs/j1/g0/r0/shard-00000.jsonl');
      await writer.write('{"a":1}\n');
      await writer.write(Buffer.from('{"b":"é"}\n'));
      expect(await blobs.exists('jobs/j1/g0/r0/shard-00000.jsonl')).toBe(false);
      expect(await writer.close()).toEqual({ bytes: 19 });
      expect(await blobs.exists('jobs/j1/g0/r0/shard-00000.jsonl')).toBe(true);
      expect(await text(blobs.read('jobs/j1/g0/r0/shard-00000.jsonl'))).toBe('{"a":1}\n{"b":"é"}\n');
      const other = blobs.createWriter('jobs/j1/report.json');
      await other.write('{}');
      await other.close();
      expect(await blobs.list('jobs/j1/')).toEqual(['jobs/j1/g0/r0/shard-00000.jsonl', 'jobs/j1/report.json']);
      await blobs.delete('jobs/j1/report.json');
      expect(await blobs.list('jobs/j1')).toEqual(['jobs/j1/g0/r0/shard-00000.jsonl']);
    });

    it('streams a blob larger than its buffers both ways (many MiB, never whole in memory)', async () => {
      const writer = blobs.createWriter('jobs/big/g0/r0/shard-00000.jsonl');
      const line = JSON.stringify({ text: 'x'.repeat(1000) }) + '\n';
      for (let i = 0; i < 20_000; i++) {
        const flushing = writer.write(line);
        if (flushing) await flushing;
      }
      const { bytes } = await writer.close();
      expect(bytes).toBe(line.length * 20_000);
      let read = 0;
      let lines = 0;
      for await (const chunk of blobs.read('jobs/big/g0/r0/shard-00000.jsonl')) {
        read += (chunk as Buffer).length;
        for (const b of chunk as Buffer) if (b === 10) lines++;
      }
      expect([read, lines]).toEqual([bytes, 20_000]);
    });

    it('an aborted writer leaves nothing; a missing blob reads as BlobNotFoundError naming its key', async () => {
      const writer = blobs.createWriter('jobs/j2/aborted.jsonl');
      await writer.write('x'.repeat(3 << 20));
      await writer.abort();
      expect(await blobs.exists('jobs/j2/aborted.jsonl')).toBe(false);
      const err = await text(blobs.read('jobs/j2/missing.jsonl')).then(() => undefined, (e: Error) => e);
      expect(err).toBeInstanceOf(BlobNotFoundError);
      expect((err as BlobNotFoundError).key).toBe('jobs/j2/missing.jsonl');
    });

    it('removes writes a killed process left unfinished, under a prefix only', async () => {
      const killed = blobs.createWriter('jobs/j3/g0/r0/shard-00000.jsonl');
      await killed.write(randomBytes(10 << 20)); // a part or a flushed buffer is out, the blob never closed (random: compressed, it stays that large)
      const elsewhere = blobs.createWriter('jobs/j4/g0/r0/shard-00000.jsonl');
      await elsewhere.write(randomBytes(10 << 20));
      // the unfinished write becomes visible once its upload is created (S3: asynchronously; slow on a loaded machine)
      let removed = 0;
      for (const deadline = Date.now() + 20_000; removed === 0 && Date.now() < deadline; ) {
        removed = await blobs.removeUnfinished('jobs/j3/');
        if (removed === 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(removed).toBeGreaterThanOrEqual(1);
      // the 'killed' writer still lives in this process: a part it was sending may land after the abort (versitygw
      // then lists the upload again), which a dead process never does; sweep until nothing is left
      let left = await blobs.removeUnfinished('jobs/j3/');
      for (const deadline = Date.now() + 20_000; left > 0 && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        left = await blobs.removeUnfinished('jobs/j3/');
      }
      expect(left).toBe(0);
      await elsewhere.close();
      expect(await blobs.exists('jobs/j4/g0/r0/shard-00000.jsonl')).toBe(true);
      await killed.abort();
    });

    it('lists sizes and write times, and deletes a folder of blobs (unfinished writes too) and nothing beside it', async () => {
      const before = Date.now() - 60_000;
      for (const [key, body] of [['jobs/gc1/g0/r0/shard-00000.jsonl', 'abc'], ['jobs/gc1/report.json', '{}\n'], ['jobs/gc10/report.json', '{}']]) {
        const writer = blobs.createWriter(key!);
        await writer.write(body!);
        await writer.close();
      }
      const unfinished = blobs.createWriter('jobs/gc1/g0/r1/shard-00000.jsonl');
      await unfinished.write(randomBytes(10 << 20));
      await new Promise((resolve) => setTimeout(resolve, 2_000)); // its upload created (S3 does it asynchronously)
      const entries = await blobs.entries('jobs/gc1/');
      expect(entries.map(({ key, bytes }) => [key, bytes])).toEqual([['jobs/gc1/g0/r0/shard-00000.jsonl', storedShard(3)], ['jobs/gc1/report.json', stored(3)]]);
      for (const entry of entries) expect(entry.modifiedMs).toBeGreaterThan(before);
      expect(await blobs.deletePrefix('jobs/gc1')).toBe(2);
      expect(await blobs.list('jobs/gc1/')).toEqual([]);
      expect(await blobs.removeUnfinished('jobs/gc1/')).toBe(0);
      expect(await blobs.list('jobs/gc10/')).toEqual(['jobs/gc10/report.json']);
      expect(await blobs.deletePrefix('jobs/gc1/')).toBe(0);
      await expect(blobs.deletePrefix('')).rejects.toThrow('invalid blob prefix');
      await expect(blobs.deletePrefix('/')).rejects.toThrow('invalid blob prefix');
      await unfinished.abort();
    });

    it('refuses keys that could escape its root', () => {
      expect(() => blobs.createWriter('../etc/passwd')).toThrow('invalid blob key');
      expect(() => blobs.read('/abs')).toThrow('invalid blob key');
    });
  });
}

blobStoreContract('local directory', async () => new LocalBlobStore(tempDir('longhaul-blobs-')));
blobStoreContract('local directory, encrypted at rest', async () => new EncryptedBlobStore(new LocalBlobStore(tempDir('longhaul-blobs-')), RING), { sealed: true });

describe('S3-compatible (versitygw over HTTP, SigV4)', () => {
  const s3 = testS3();
  blobStoreContract('S3 with a prefix', () => s3.blobStore('team/longhaul'));
  blobStoreContract('S3 at the bucket root', () => s3.blobStore(''));
  blobStoreContract('S3, encrypted at rest', async () => new EncryptedBlobStore(await s3.blobStore('sealed'), RING), { sealed: true });
  blobStoreContract('S3 as workers open it (shard files gzip-compressed)', async () => openBlobStore(await s3.location('opened')), { compressesShards: true });
  blobStoreContract('S3 as workers open it, encrypted at rest', async () => openBlobStore(await s3.location('opened-sealed'), RING), { sealed: true, compressesShards: true });

  it('says in one line what is wrong: a missing bucket, a wrong secret, nothing listening', async () => {
    const at = { prefix: '', forcePathStyle: true, endpoint: s3.endpoint };
    const missing = new S3BlobStore(s3.client(), { bucket: 'no-such-bucket', ...at });
    await expect(missing.check()).rejects.toThrow(new StorageUnavailableError(`blob store s3://no-such-bucket at ${s3.endpoint}: the bucket does not exist`));
    const bucket = await s3.createBucket();
    const wrong = new S3BlobStore(s3.client('not-the-secret'), { bucket, ...at });
    await expect(wrong.check()).rejects.toThrow(/access denied: check AWS_ACCESS_KEY_ID/);
    const nowhere = new S3Client({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    await expect(new S3BlobStore(nowhere, { bucket, prefix: '', forcePathStyle: true, endpoint: 'http://127.0.0.1:9' }).check()).rejects.toThrow(/cannot connect/);
    await new S3BlobStore(s3.client(), { bucket, ...at }).check();
  });
});
