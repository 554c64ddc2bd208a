import net from 'node:net';
import { text } from 'node:stream/consumers';
import { S3BlobStore, s3ClientFor, type S3Location } from '../../src/storage/s3-blob-store';
import { testS3 } from '../support/store-servers';

jest.setTimeout(60_000);

/**
 * A TCP proxy to the S3 server that, while `corrupt` is on, flips one byte of the first request body it sees on
 * each connection (a byte changed on the way, after the client computed its checksum and signature).
 */
async function startCorruptingProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  const state = { corrupt: false, flipped: 0 };
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    let head = '';
    let done = false;
    client.on('data', (chunk: Buffer) => {
      if (state.corrupt && !done) {
        head += chunk.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        const bodyAt = end < 0 ? -1 : chunk.length - (head.length - (end + 4));
        if (/^PUT /.test(head) && bodyAt >= 0 && bodyAt < chunk.length) {
          chunk = Buffer.from(chunk);
          chunk[bodyAt]! ^= 0x20;
          state.flipped++;
          done = true;
        }
      }
      upstream.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('S3 writes: every body is checked by the server (a signed CRC32), not hashed by SigV4', () => {
  const s3 = testS3();
  const location = (bucket: string, endpoint: string, secret = s3.secretAccessKey): S3Location => ({
    bucket, prefix: 'p', endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: secret },
  });

  it('sends every part with a CRC32 and headers-only signing, and reads back what it wrote', async () => {
    const bucket = await s3.createBucket();
    const client = s3ClientFor(location(bucket, s3.endpoint));
    const sent: Array<Record<string, string>> = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { method?: string; headers?: Record<string, string> };
        if (request.method === 'PUT' && request.headers) sent.push({ ...request.headers });
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'testRecordPuts' },
    );
    try {
      const store = new S3BlobStore(client, location(bucket, s3.endpoint));
      const line = `${JSON.stringify({ text: 'x'.repeat(1000) })}\n`;
      const writer = store.createWriter('jobs/j/big.jsonl');
      for (let i = 0; i < 20_000; i++) await writer.write(line); // ~20 MB: three parts
      await writer.close();
      expect(await text(store.read('jobs/j/big.jsonl'))).toBe(line.repeat(20_000));
      expect(sent.length).toBeGreaterThanOrEqual(3);
      for (const headers of sent) {
        expect(headers['x-amz-checksum-crc32']).toMatch(/^[A-Za-z0-9+/]{6}==$/);
        expect(headers['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
        expect(headers.authorization).toContain('x-amz-checksum-crc32'); // the checksum is among the signed headers
      }
    } finally {
      client.destroy();
    }
  });

  it('refuses a body changed on the way (BadDigest): the write fails and nothing appears under the key', async () => {
    const bucket = await s3.createBucket();
    const proxy = await startCorruptingProxy(new URL(s3.endpoint));
    const client = s3ClientFor(location(bucket, proxy.endpoint));
    const direct = s3.client();
    try {
      const store = new S3BlobStore(client, location(bucket, proxy.endpoint));
      const body = `${'{"id":1,"text":"hello"}\n'.repeat(4000)}`;
      // the proxy passing bytes as they are: the write lands
      const fine = store.createWriter('jobs/j/fine.jsonl');
      await fine.write(body);
      await fine.close();
      expect(await text(store.read('jobs/j/fine.jsonl'))).toBe(body);
      // one byte flipped after the client's checksum: refused
      proxy.state.corrupt = true;
      const hurt = store.createWriter('jobs/j/hurt.jsonl');
      await hurt.write(body);
      await expect(hurt.close()).rejects.toThrow(/CRC32|BadDigest|checksum/i);
      expect(proxy.state.flipped).toBeGreaterThanOrEqual(1);
      const untouched = new S3BlobStore(direct, location(bucket, s3.endpoint));
      expect(await untouched.exists('jobs/j/hurt.jsonl')).toBe(false);
    } finally {
      client.destroy();
      direct.destroy();
      await proxy.close();
    }
  });

  it('still refuses a wrong secret: the headers, checksum included, are signed', async () => {
    const bucket = await s3.createBucket();
    const client = s3ClientFor(location(bucket, s3.endpoint, 'not-the-secret'));
    try {
      const writer = new S3BlobStore(client, location(bucket, s3.endpoint)).createWriter('k.txt');
      await writer.write('hello');
      await expect(writer.close()).rejects.toThrow(/signature|access|denied/i);
    } finally {
      client.destroy();
    }
  });
});
