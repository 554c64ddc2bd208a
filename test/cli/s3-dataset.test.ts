import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PassThrough } from 'node:stream';
import { parseArgs } from 'node:util';
import { planCommand } from '../../src/cli/commands/plan';
import { describeError } from '../../src/cli/cli-errors';
import { S3BlobStore } from '../../src/storage/s3-blob-store';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, ticket } from '../support/datasets';
import { testS3 } from '../support/store-servers';

const ITEMS = 120;

jest.setTimeout(120_000);

/** `longhaul plan ARGS` in this process, with `env` as the process environment; its exit code and output. */
async function plan(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  const { values, positionals } = parseArgs({ args, options: planCommand.options, allowPositionals: true, strict: true });
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await planCommand.run({ values, positionals, stdout, stderr: new PassThrough(), interrupted: new Promise(() => undefined) });
    return { code, stdout: out };
  } finally {
    for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/**
 * A dataset already in a bucket is used where it is: `longhaul plan --input s3://bucket/key.jsonl` scans it
 * with the standard AWS variables (no LONGHAUL_BLOB_STORE needed, nothing written), and a job started on it
 * with an S3 blob store reads it in place (no copy under datasets/).
 */
describe('s3:// datasets, read in place', () => {
  const s3 = testS3();
  let datasetUrl: string;
  let bucket: string;
  beforeAll(async () => {
    bucket = await s3.createBucket();
    const client = s3.client();
    try {
      const body = Array.from({ length: ITEMS }, (_, i) => JSON.stringify(ticket(i))).join('\n') + '\n';
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'inputs/tickets.jsonl', Body: body }));
    } finally {
      client.destroy();
    }
    datasetUrl = `s3://${bucket}/inputs/tickets.jsonl`;
  });

  it('plan --input s3://bucket/key.jsonl counts the items, with only the AWS variables set', async () => {
    const run = await plan(['--input', datasetUrl, '--model', 'gpt-4o-mini', '--prompt', 'Classify: {{subject}}', '--id-field', 'id', '--json'], s3.env());
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout) as { dataset: string; items: number; badRows: number; tokens: { in: number } };
    expect(json).toMatchObject({ dataset: datasetUrl, items: ITEMS, badRows: 0 });
    expect(json.tokens.in).toBeGreaterThan(ITEMS * 3);
  });

  it('plan refuses a missing key or a bad bucket in one line, as bad input', async () => {
    const args = (url: string) => ['--input', url, '--model', 'gpt-4o-mini', '--prompt', 'Classify: {{subject}}'];
    const missing = await plan(args(`s3://${bucket}/inputs/nope.jsonl`), s3.env()).catch((err: unknown) => describeError(err));
    expect(missing).toEqual({ message: expect.stringContaining(`s3://${bucket}/inputs/nope.jsonl`), exitCode: 2 });
    const bad = await plan(args('s3://Bad_Bucket/x.jsonl'), s3.env()).catch((err: unknown) => describeError(err));
    expect(bad).toEqual({ message: expect.stringContaining('"Bad_Bucket" is not a valid bucket name'), exitCode: 2 });
  });

  describe('a job on it', () => {
    let stack: TestStack;
    let blobBucket: string;
    beforeAll(async () => {
      blobBucket = await s3.createBucket();
      stack = await startTestStack({ env: { ...s3.env(), LONGHAUL_BLOB_STORE: `s3://${blobBucket}/longhaul` }, scenario: { clock: { speed: 2000 } } });
    });
    afterAll(async () => {
      await stack?.stop();
    });

    it('reads the object in place: every item succeeds, and no copy of the dataset is uploaded', async () => {
      const job = await stack.client.start({
        jobId: 's3-in-place',
        dataset: { path: datasetUrl, idField: 'id' },
        model: 'gpt-4o-mini',
        prompt: TICKET_PROMPT,
        outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
        limits: { maxRequestsPerShard: 40 },
        polling: { initialSeconds: 0.2, maxSeconds: 1 },
      });
      const report = await job.result();
      expect(report).toMatchObject({ total: ITEMS, counts: { succeeded: ITEMS } });
      const lines = [];
      for await (const line of job.results()) lines.push(line);
      expect(lines.map((l) => l.id)).toEqual(Array.from({ length: ITEMS }, (_, i) => ticket(i).id));
      const client = s3.client();
      try {
        const store = new S3BlobStore(client, { bucket: blobBucket, prefix: 'longhaul', forcePathStyle: true, endpoint: s3.endpoint });
        expect(await store.list('datasets/')).toEqual([]);
        expect(await store.exists('jobs/s3-in-place/g0/r0/shard-00000.jsonl')).toBe(true);
      } finally {
        client.destroy();
      }
    });
  });
});
