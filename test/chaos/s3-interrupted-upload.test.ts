import net from 'node:net';
import { FailureType, toFailure } from '../../activities/failures';
import { S3BlobStore, s3ClientFor } from '../../src/storage/s3-blob-store';
import { testS3 } from '../support/store-servers';

jest.setTimeout(60_000);

/** A TCP proxy to the S3 server that can cut every connection and refuse new ones (the server restarting). */
async function startCuttableProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  let down = false;
  const server = net.createServer((client) => {
    if (down) return client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

test('an S3 server going away mid multipart upload fails the write retryably and leaves no object under the key', async () => {
  const s3 = testS3();
  const bucket = await s3.createBucket();
  const proxy = await startCuttableProxy(new URL(s3.endpoint));
  const location = { bucket, prefix: 'p', endpoint: proxy.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } };
  const client = s3ClientFor(location);
  const direct = s3.client();
  try {
    const writer = new S3BlobStore(client, location).createWriter('jobs/j/big.jsonl');
    const line = `${JSON.stringify({ text: 'x'.repeat(1000) })}\n`;
    let failed: unknown;
    try {
      // past the first 8 MiB part, so a multipart upload is under way when the server goes
      for (let i = 0; i < 20_000; i++) {
        if (i === 12_000) proxy.cut();
        await writer.write(line);
      }
      await writer.close();
    } catch (err) {
      failed = err;
    }
    expect(failed).toBeDefined();
    let type: string | undefined;
    try {
      toFailure(failed);
    } catch (failure) {
      type = (failure as { type?: string }).type;
    }
    expect(type).toBe(FailureType.storageTransient);
    // the server back (read directly): nothing visible under the key
    const store = new S3BlobStore(direct, { bucket, prefix: 'p', endpoint: s3.endpoint, forcePathStyle: true });
    expect(await store.exists('jobs/j/big.jsonl')).toBe(false);
  } finally {
    client.destroy();
    direct.destroy();
    await proxy.close();
  }
});
