import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../../src/config/longhaul-config';
import { S3BlobStore } from '../../src/storage/s3-blob-store';
import { InvalidSpecError } from '../../src/spec/spec-errors';
import { testS3 } from '../support/store-servers';

/** The S3 requests a client sends, with their method, path and headers (a middleware of our own client). */
function recordRequests(client: S3Client): Array<{ method: string; path: string; query: Record<string, unknown>; headers: Record<string, string> }> {
  const seen: Array<{ method: string; path: string; query: Record<string, unknown>; headers: Record<string, string> }> = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { method: string; path: string; query?: Record<string, unknown>; headers: Record<string, string> };
      seen.push({ method: request.method, path: request.path, query: { ...request.query }, headers: { ...request.headers } });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordRequests' },
  );
  return seen;
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

describe('S3 server-side encryption of blobs (LONGHAUL_S3_SSE)', () => {
  const s3 = testS3();

  it('reads LONGHAUL_S3_SSE and LONGHAUL_S3_SSE_KMS_KEY_ID, refusing values S3 does not know', () => {
    const env = { LONGHAUL_BLOB_STORE: 's3://team-bucket/lh', ...s3.env() };
    expect(loadConfig({ ...env, LONGHAUL_S3_SSE: 'AES256' }).storage).toMatchObject({ kind: 's3', serverSideEncryption: { algorithm: 'AES256' } });
    expect(loadConfig({ ...env, LONGHAUL_S3_SSE: 'aws:kms', LONGHAUL_S3_SSE_KMS_KEY_ID: 'alias/longhaul' }).storage).toMatchObject({
      serverSideEncryption: { algorithm: 'aws:kms', kmsKeyId: 'alias/longhaul' },
    });
    expect(loadConfig(env).storage).not.toHaveProperty('serverSideEncryption');
    expect(() => loadConfig({ ...env, LONGHAUL_S3_SSE: 'aes256' })).toThrow(new InvalidSpecError([{ path: 'LONGHAUL_S3_SSE', message: 'expected AES256 or aws:kms, got "aes256"' }], 'configuration'));
    expect(() => loadConfig({ ...env, LONGHAUL_S3_SSE: 'AES256', LONGHAUL_S3_SSE_KMS_KEY_ID: 'k' })).toThrow(/LONGHAUL_S3_SSE_KMS_KEY_ID: is only used with LONGHAUL_S3_SSE=aws:kms/);
    expect(() => loadConfig({ ...env, LONGHAUL_S3_SSE_KMS_KEY_ID: 'k' })).toThrow(/LONGHAUL_S3_SSE_KMS_KEY_ID: needs LONGHAUL_S3_SSE=aws:kms/);
  });

  it('asks for AES256 on the single PUT and on the multipart create; versitygw accepts it and the blobs read back', async () => {
    const client = s3.client();
    const requests = recordRequests(client);
    const bucket = await s3.createBucket();
    const blobs = new S3BlobStore(client, { bucket, prefix: 'lh', forcePathStyle: true, endpoint: s3.endpoint, serverSideEncryption: { algorithm: 'AES256' } });
    const small = blobs.createWriter('jobs/j/report.json');
    await small.write('{"ok":true}');
    await small.close();
    const big = blobs.createWriter('jobs/j/results.jsonl');
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 9 * 1024; i++) await big.write(line); // 9 MiB: two parts of a multipart upload
    await big.close();
    expect(await text(blobs.read('jobs/j/report.json'))).toBe('{"ok":true}');
    expect((await text(blobs.read('jobs/j/results.jsonl'))).length).toBe(9 * 1024 * 1024);

    const writes = requests.filter((r) => (r.method === 'PUT' && !('partNumber' in r.query)) || (r.method === 'POST' && 'uploads' in r.query));
    expect(writes.map((r) => ({ method: r.method, sse: r.headers['x-amz-server-side-encryption'] }))).toEqual([
      { method: 'PUT', sse: 'AES256' },
      { method: 'POST', sse: 'AES256' },
    ]);
    // what the server reports back is its own business (versitygw stores the object either way)
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'lh/jobs/j/report.json' }));
    client.destroy();
  });
});
