import { startS3Server, type S3Server } from '../../src/dev/s3-server';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectExactlyOnce } from '../support/job-assertions';
import { waitFor } from '../support/worker-process';
import { retriedFailureTypes } from './retried-failures';

const ITEMS = 300;
const PER_SHARD = 50;

jest.setTimeout(240_000);

/**
 * The S3-compatible server holding a job's blobs (versitygw) goes down and comes back on the same directories
 * and port while the job's collects are copying the provider's files into it. The writes and reads that meet it
 * down fail as retryable StorageTransient failures and are retried; the job completes with one outcome per item,
 * its results file in the bucket. A server of this suite's own: the run's shared one is never restarted.
 */
describe('an S3 server restart mid-upload', () => {
  let s3: S3Server | undefined;
  let stack: TestStack | undefined;
  afterAll(async () => {
    await stack?.stop();
    await s3?.stop();
  });

  it('the job completes with one outcome per item', async () => {
    s3 = await startS3Server();
    const bucket = await s3.createBucket('restart-blobs');
    stack = await startTestStack({ env: { ...s3.env(), LONGHAUL_BLOB_STORE: `s3://${bucket}/longhaul` }, scenario: { clock: { speed: 2000 } } });
    // every download waits 2 s: collects are copying the provider's files into the bucket while it is down
    stack.emulator.setScenario({ endpointFaults: [{ method: 'GET', path: '/v1/files/*/content', action: 'delay', delayMs: 2_000 }] });
    const job = await stack.client.start({
      jobId: 's3-restart',
      dataset: { path: writeTicketsJsonl(stack.dir, ITEMS), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: PER_SHARD, shardsInFlight: 6 },
      polling: { initialSeconds: 0.3, maxSeconds: 1 },
      timeouts: { heartbeatSeconds: 5, requestSeconds: 10 },
    });
    const emulatorLog = stack.emulatorLog;
    await waitFor('a collect downloading', () => emulatorLog.some((l) => l.startsWith('fault delay GET /v1/files/')), 90_000);
    const { dir, port, secretAccessKey } = s3;
    await s3.stop({ keepData: true });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    s3 = await startS3Server({ dir, port, secretAccessKey });

    const report = await job.result();
    expect(report.total).toBe(ITEMS);
    expect(report.counts.succeeded).toBe(ITEMS);
    expect(report.files.results).toMatch(/^s3:\/\//);
    const lines = [];
    for await (const line of stack.client.job('s3-restart').results()) lines.push(line);
    expect(lines).toHaveLength(ITEMS);
    expect(lines.map((l) => l.line)).toEqual(Array.from({ length: ITEMS }, (_, i) => i + 1));
    expect(lines.every((l) => l.state === 'succeeded')).toBe(true);
    expectExactlyOnce(stack.emulator, 's3-restart');
    const retried = await retriedFailureTypes(stack, 's3-restart', ITEMS / PER_SHARD);
    expect(retried).toContain('StorageTransient');
    expect(retried).not.toContain('BlobNotFound');
  });
});
