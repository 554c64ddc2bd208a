import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectExactlyOnce } from '../support/job-assertions';
import { testPostgresUrl, testS3 } from '../support/store-servers';
import { spawnWorkerProcess, waitFor, type WorkerProcess } from '../support/worker-process';
import { tempDir } from '../support/temp-dirs';
import { runCli } from '../cli/cli-process';

const ITEMS = 20_000;

/**
 * Three machines, as far as one machine can stand for them: a Temporal server, three worker processes with a data
 * dir each and nothing shared on disk, blobs in an S3-compatible server (versitygw, SigV4), outcomes in PostgreSQL.
 * One worker dies with kill -9 while collects are under way and its data dir is deleted: the job still ends with
 * one outcome per item and one batch per shard attempt, and `longhaul results` from a fourth directory reads them.
 */
describe('workers on three machines: S3 blobs, PostgreSQL results, no shared disk', () => {
  let stack: TestStack;
  const workers: WorkerProcess[] = [];
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    const s3 = testS3();
    env = { ...s3.env(), LONGHAUL_BLOB_STORE: `s3://${await s3.createBucket()}/longhaul`, LONGHAUL_RESULT_STORE: await testPostgresUrl() };
    stack = await startTestStack({ worker: false, env, scenario: { clock: { speed: 2000 } } });
  });
  afterAll(async () => {
    for (const worker of workers.splice(0)) await worker.stop();
    await stack?.stop();
  });

  it('completes a 20,000-item job with one worker killed mid-collect and its disk wiped', async () => {
    const dataDirs = [0, 1, 2].map((i) => tempDir(`longhaul-machine-${i}-`));
    for (const dataDir of dataDirs) workers.push(spawnWorkerProcess(stack, { dataDir, env }));
    await Promise.all(workers.map((w) => w.ready));
    // downloads take a second each: collects overlap on every worker when one of them dies
    stack.emulator.setScenario({ endpointFaults: [{ method: 'GET', path: '/v1/files/*/content', action: 'delay', delayMs: 1_500 }] });
    const input = writeTicketsJsonl(tempDir('longhaul-client-'), ITEMS);
    const job = await stack.client.start({
      jobId: 'three-machines',
      dataset: { path: input, idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 2_000, shardsInFlight: 6 },
      polling: { initialSeconds: 0.2, maxSeconds: 1 },
      timeouts: { heartbeatSeconds: 3, requestSeconds: 10 },
    });
    rmSync(input); // the workers read the copy the client uploaded
    await waitFor('collects under way', () => stack.emulatorLog.filter((l) => l.startsWith('fault delay GET /v1/files/')).length >= 4, 120_000);
    await workers[0]!.kill9();
    rmSync(dataDirs[0]!, { recursive: true, force: true });
    const report = await job.result();
    expect(report.total).toBe(ITEMS);
    expect(report.counts.succeeded).toBe(ITEMS);
    expect(report.files.results).toMatch(/^s3:\/\//);
    expectExactlyOnce(stack.emulator, 'three-machines');

    const elsewhere = tempDir('longhaul-fourth-');
    const out = path.join(elsewhere, 'results.jsonl');
    const cli = await runCli(['results', 'three-machines', '--out', out], {
      cwd: elsewhere,
      env: { ...env, TEMPORAL_ADDRESS: stack.address, LONGHAUL_DATA_DIR: path.join(elsewhere, 'data') },
      timeoutMs: 60_000,
    });
    expect(cli).toMatchObject({ code: 0 });
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; state: string });
    expect(lines).toHaveLength(ITEMS);
    expect(new Set(lines.map((l) => l.id)).size).toBe(ITEMS);
    expect(lines.every((l) => l.state === 'succeeded')).toBe(true);
  });
});
