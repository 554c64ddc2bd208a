import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../src/config/longhaul-config';
import { createLonghaulWorker } from '../../src/worker/create-worker';
import { startTestStack, workflowBundle, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectExactlyOnce } from '../support/job-assertions';
import { testPostgresUrl, testS3 } from '../support/store-servers';
import { tempDir } from '../support/temp-dirs';
import { retriedFailureMessages } from './retried-failures';

const ITEMS = 120;

jest.setTimeout(240_000);

/**
 * A worker left on its local defaults (a data dir and SQLite of its own) joins a task queue whose client and
 * workers keep jobs in S3 and PostgreSQL, and is the only one when a new job starts. It refuses the job's first
 * step with StorageMismatch naming both stores (the client recorded the blob store it uploaded the dataset to)
 * and stays up, instead of failing the job on a dataset it cannot see; a worker on the job's stores runs it.
 */
describe('a worker on other stores than its task queue', () => {
  let stack: TestStack | undefined;
  let stopStray: (() => Promise<void>) | undefined;
  afterAll(async () => {
    try {
      await stopStray?.();
    } finally {
      await stack?.stop();
    }
  });

  it('refuses the job it took first, stays up, and a worker on the right stores completes the job', async () => {
    const s3 = testS3();
    const env = { ...s3.env(), LONGHAUL_BLOB_STORE: `s3://${await s3.createBucket()}/longhaul`, LONGHAUL_RESULT_STORE: await testPostgresUrl() };
    stack = await startTestStack({ env, worker: false, scenario: { clock: { speed: 2000 } } });
    // the stray: same task queue and providers, its own local data dir
    const connection = await NativeConnection.connect({ address: stack.address });
    const strayConfig = loadConfig({}, { dataDir: tempDir('longhaul-stray-'), taskQueue: stack.config.taskQueue, accounts: stack.config.accounts });
    const bundle = workflowBundle();
    const stray = await createLonghaulWorker({ connection, config: strayConfig, ...(bundle ? { workflowBundle: bundle } : {}) });
    const running = stray.worker.run();
    stopStray = async () => {
      stopStray = undefined;
      if (stray.worker.getState() === 'RUNNING') stray.worker.shutdown();
      await running.catch(() => undefined);
      await stray.close();
      await connection.close();
    };

    const job = await stack.client.start({
      jobId: 'stray-worker',
      dataset: { path: writeTicketsJsonl(stack.dir, ITEMS), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 40 },
      polling: { initialSeconds: 0.2, maxSeconds: 1 },
    });
    const handle = stack.client.temporal.workflow.getHandle('longhaul/stray-worker');
    // the only worker so far: it takes the job's first step, and fails it
    let firstFailure: string | undefined;
    for (const deadline = Date.now() + 60_000; !firstFailure && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      const described = await handle.describe();
      if (described.status.name !== 'RUNNING') break;
      firstFailure = (described.raw.pendingActivities ?? []).map((a) => a.lastFailure?.applicationFailureInfo?.type).find(Boolean) ?? undefined;
    }
    expect(firstFailure).toBe('StorageMismatch');
    expect(stray.worker.getState()).toBe('RUNNING');
    // its owner notices and stops it (each refusal waits 15 s before the retry: two workers would be slow here)
    await stopStray!();
    await stack.addWorker();

    const report = await job.result();
    expect(report).toMatchObject({ total: ITEMS, counts: { succeeded: ITEMS } });
    expectExactlyOnce(stack.emulator, 'stray-worker');
    const refused = (await retriedFailureMessages(stack, 'stray-worker', 3)).filter((f) => f.type === 'StorageMismatch');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.message).toMatch(/^job stray-worker keeps its data in \[blobs s3:\/\/.*\], but this worker uses \[blobs .*longhaul-stray-/);
  });
});
