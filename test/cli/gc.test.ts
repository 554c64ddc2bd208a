import path from 'node:path';
import type { StartSpec } from '../../src/client/start-spec';
import { openResultStore } from '../../src/results/open-result-store';
import type { ResultStore } from '../../src/results/result-store';
import { openBlobStore } from '../../src/storage/open-blob-store';
import type { BlobStore } from '../../src/storage/blob-store';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { startTestStack, type TestStack } from '../support/stack';
import { testPostgresUrl, testS3 } from '../support/store-servers';
import { expectOneLineError, runCli } from './cli-process';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const spec = (jobId: string, input: string, over: Partial<StartSpec> = {}): StartSpec => ({
  jobId,
  dataset: { path: input, idField: 'id' },
  model: 'gpt-4o-mini',
  // a prompt of its own: no job is answered from another's cache
  prompt: { messages: [{ role: 'system', content: `Classify. [${jobId}]` }, TICKET_PROMPT.messages[1]!] },
  outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
  limits: { maxRequestsPerShard: 10 },
  polling: { initialSeconds: 0.2, maxSeconds: 0.5 },
  ...over,
});

/**
 * `longhaul gc` through the real binary, against a real Temporal server, a worker and both kinds of store: a
 * dry run lists what would go, `--yes` deletes the blobs and rows of the ended job, and a running (paused) job
 * is skipped and still finishes afterwards.
 */
describe.each([
  ['a local directory and SQLite', async (): Promise<NodeJS.ProcessEnv> => ({})],
  ['versitygw and PostgreSQL', async (): Promise<NodeJS.ProcessEnv> => {
    const s3 = testS3();
    return { ...s3.env(), LONGHAUL_BLOB_STORE: `s3://${await s3.createBucket()}/longhaul`, LONGHAUL_RESULT_STORE: await testPostgresUrl() };
  }],
])('longhaul gc on %s', (_name, storeEnv) => {
  let stack: TestStack;
  let env: NodeJS.ProcessEnv;
  let blobs: BlobStore;
  let store: ResultStore;
  const tag = Math.random().toString(36).slice(2, 8);
  const ENDED = `gc-ended-${tag}`;
  const PAUSED = `gc-paused-${tag}`;
  const FILES_ONLY = `gc-files-${tag}`; // files of a job Temporal no longer has (its retention passed)
  const ROWS_ONLY = `gc-rows-${tag}`; // rows a gc cut short left behind
  const gc = (args: string[]) => runCli(['gc', ...args, '--address', stack.address], { env });

  beforeAll(async () => {
    const stores = await storeEnv();
    stack = await startTestStack({ scenario: { clock: { speed: 2000 } }, env: stores });
    env = { ...stores, LONGHAUL_DATA_DIR: stack.dir, LONGHAUL_TASK_QUEUE: stack.config.taskQueue };
    blobs = openBlobStore(stack.config.storage);
    store = await openResultStore(stack.config.results);
  });
  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  });

  it('lists the ended job first, deletes its blobs and rows with --yes, and never touches a running job', async () => {
    const ended = await stack.client.start(spec(ENDED, writeTicketsJsonl(path.join(stack.dir, 'ended'), 30)));
    expect((await ended.result()).counts.succeeded).toBe(30);
    const paused = await stack.client.start(spec(PAUSED, writeTicketsJsonl(path.join(stack.dir, 'paused'), 20), { limits: { maxRequestsPerShard: 10, shardsInFlight: 1 } }));
    await paused.pause();
    // prepared, paused, and nothing of it in flight: it writes nothing more until it is resumed
    for (const deadline = Date.now() + 60_000; ; await sleep(200)) {
      const p = await paused.progress();
      if (p.status === 'paused' && p.total === 20 && p.shards.running === 0) break;
      if (Date.now() > deadline) throw new Error(`the paused job did not settle: ${JSON.stringify(p)}`);
    }
    const writer = blobs.createWriter(`jobs/${FILES_ONLY}/input.jsonl`);
    await writer.write('{"id":"1"}\n');
    await writer.close();
    await store.upsertJob({ jobId: ROWS_ONLY, generation: 0, total: 1, spec: {} as never });
    await sleep(3000);

    const endedBlobs = await blobs.entries(`jobs/${ENDED}/`);
    const datasetsBefore = await blobs.list('datasets/');
    const endedRows = await store.jobRows(ENDED);
    expect(endedBlobs.length).toBeGreaterThan(5);
    expect(endedRows).toMatchObject({ items: 30, jobs: 1, answers: 30 });

    // nothing ended a day ago
    const recent = await gc(['--older-than', '1d']);
    expect({ code: recent.code, stderr: recent.stderr }).toEqual({ code: 0, stderr: '' });
    expect(recent.stdout).toContain('  none\n');
    expect(recent.stdout).toContain('Would delete 0 jobs, 0 blobs (0 B), 0 rows.');

    const dry = await gc(['--older-than', '2s']);
    expect({ code: dry.code, stderr: dry.stderr }).toEqual({ code: 0, stderr: '' });
    expect(dry.stdout).toMatch(new RegExp(`^  ${ENDED}  ended \\S+ \\(completed\\)  ${endedBlobs.length} blobs \\(.+\\), ${Object.values(endedRows).reduce((s, n) => s + n, 0)} rows$`, 'm'));
    expect(dry.stdout).toMatch(new RegExp(`^  ${FILES_ONLY}  ended \\S+ \\(gone from Temporal: its last write\\)  1 blob \\(11 B\\), 0 rows$`, 'm'));
    expect(dry.stdout).toMatch(new RegExp(`^  ${ROWS_ONLY}  ended \\S+ \\(gone from Temporal: its last write\\)  0 blobs \\(0 B\\), 1 row$`, 'm'));
    expect(dry.stdout).toContain(`  skipped  ${PAUSED}: still running: a running job is never removed\n`);
    expect(dry.stdout).toContain('Dry run: nothing was deleted; run again with --yes to delete.');
    expect(await blobs.entries(`jobs/${ENDED}/`)).toEqual(endedBlobs);
    expect(await store.jobRows(ENDED)).toEqual(endedRows);

    const pausedBlobs = await blobs.list(`jobs/${PAUSED}/`);
    const pausedRows = await store.jobRows(PAUSED);
    const run = await gc(['--older-than', '2s', '--yes', '--json']);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const done = JSON.parse(run.stdout);
    expect(done).toMatchObject({ dryRun: false, jobs: [{ jobId: ENDED, status: 'completed', blobs: endedBlobs.length }, { jobId: FILES_ONLY }, { jobId: ROWS_ONLY }], skipped: [{ jobId: PAUSED }] });
    // an uploaded dataset (object stores) that only the removed job read goes with it
    const orphaned = datasetsBefore.length - (await blobs.list('datasets/')).length;
    expect(done.deleted).toEqual({ jobs: 3, blobs: endedBlobs.length + 1 + orphaned, bytes: expect.any(Number), rows: Object.values(endedRows).reduce((s, n) => s + n, 0) + 1 });
    expect(done.datasets).toHaveLength(orphaned);
    if (!blobs.local) expect(orphaned).toBe(1);

    expect(await blobs.list(`jobs/${ENDED}/`)).toEqual([]);
    expect(await store.jobRows(ENDED)).toEqual({ answers: 0, items: 0, stray_batches: 0, batch_records: 0, create_leases: 0, jobs: 0 });
    expect(await store.getJob(ENDED)).toBeUndefined();
    expect((await store.listJobs()).map((j) => j.jobId)).toEqual([PAUSED]);
    expect(await blobs.list(`jobs/${FILES_ONLY}/`)).toEqual([]);
    expect(await blobs.list(`jobs/${PAUSED}/`)).toEqual(pausedBlobs);
    expect(await store.jobRows(PAUSED)).toEqual(pausedRows);

    // the skipped job carries on as if nothing happened
    await paused.resume();
    expect((await paused.result()).counts.succeeded).toBe(20);
    const again = await gc(['--older-than', '2s']);
    expect(again.stdout).not.toContain(ENDED);
  });

  it('refuses a missing or unitless age (exit 2, one line) before connecting to anything', async () => {
    expectOneLineError(await runCli(['gc'], { env }), 2, /--older-than is required/);
    expectOneLineError(await runCli(['gc', '--older-than', '30'], { env }), 2, /--older-than: not an age \(use 30d, 12h or 90m\): 30/);
  });
});
