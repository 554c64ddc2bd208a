import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { StartSpec } from '../../src/client/start-spec';
import { startDevServer, type DevServer } from '../../src/dev/temporal-dev-server';
import { wakeShardSignal } from '../../workflows/definitions';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { testPostgresUrl, testS3 } from '../support/store-servers';
import { waitFor } from '../support/worker-process';
import { continuedFrom, inRoundJob, runChain } from '../support/run-chain';
import { tempDir } from '../support/temp-dirs';

/**
 * Records the histories that test/replay/replay.test.ts replays: finished jobs of each shape (plain, with
 * retry and repair rounds, cancelled, reprocessed; flex, realtime, auto, deadline fallback, pause and resume, a
 * reprocess with spec changes, Anthropic, a webhook wake, S3 + PostgreSQL stores, continue-as-new mid-poll,
 * between rounds and inside a round; steps by reference), job workflow and one shard each. Runs only with LONGHAUL_RECORD_HISTORIES=1
 * (`npm run record-histories`); LONGHAUL_RECORD_ONLY=<name,...> records only the named shapes (test names
 * containing one of them). A new shape gets new files; files already there are never overwritten, so the
 * histories of older workflow code stay in the gate (see docs/versioning.md).
 */
const record = process.env.LONGHAUL_RECORD_HISTORIES === '1' ? describe : describe.skip;
const OUT = path.join(__dirname, '..', 'fixtures', 'histories');
const ONLY = (process.env.LONGHAUL_RECORD_ONLY ?? '').split(',').filter(Boolean);
const shape = (name: string, fn: () => Promise<void>) => (ONLY.length === 0 || ONLY.some((o) => name.includes(o)) ? it : it.skip)(name, fn);

/** Writes a workflow run's history under `name`, unless a file of that name is already there. */
async function saveHistory(client: Client, name: string, workflowId: string, runId?: string): Promise<void> {
  const file = path.join(OUT, `${name}.json`);
  if (process.env.LONGHAUL_RECORD_OVERWRITE !== '1' && existsSync(file)) return;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  writeFileSync(file, historyToJSON(history));
}

record('record histories for replay', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ scenario: { clock: { speed: 2000 } } });
    mkdirSync(OUT, { recursive: true });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const save = (name: string, workflowId: string, runId?: string) => saveHistory(stack.client.temporal, name, workflowId, runId);

  const start = (jobId: string, items: number, over: Partial<StartSpec> = {}) =>
    stack.client.start({
      jobId,
      dataset: { path: writeTicketsJsonl(path.join(stack.dir, jobId), items), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: { messages: [{ role: 'system', content: `Classify. [${jobId}]` }, TICKET_PROMPT.messages[1]!] },
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 20 },
      polling: { initialSeconds: 0.2, maxSeconds: 0.5 },
      realtime: { requestsPerMinute: 60_000, concurrency: 4, chunkSize: 10 },
      reuseCachedAnswers: false,
      ...over,
    });

  shape('a job by references', async () => {
    // shards and steps take the job id, generation and settings; activities read the spec from the store
    stack.emulator.setScenario({ requestFaults: { serverErrorRate: 0.2, brokenSchemaRate: 0.2 } });
    const job = await start('replay-references', 40);
    await job.result();
    await save('references-job', job.workflowId);
    await save('references-shard', `${job.workflowId}/g0/r0/s0`);
  });

  shape('a plain job', async () => {
    stack.emulator.setScenario({ requestFaults: {} });
    const job = await start('replay-plain', 40);
    await job.result();
    await save('plain-job', job.workflowId);
    await save('plain-shard', `${job.workflowId}/g0/r0/s0`);
  });

  shape('a job with retry and repair rounds', async () => {
    stack.emulator.setScenario({ requestFaults: { serverErrorRate: 0.2, brokenSchemaRate: 0.2, invalidRequestRate: 0.05 } });
    const job = await start('replay-rounds', 40);
    await job.result();
    await save('rounds-job', job.workflowId);
    await save('rounds-shard', `${job.workflowId}/g0/r1/s0`);
  });

  shape('a cancelled job', async () => {
    stack.emulator.setScenario({ requestFaults: {}, clock: { speed: 100 } });
    const job = await start('replay-cancelled', 40);
    await waitFor('a batch in progress', () => stack.emulator.inspect().batches.openai.some((b) => b.metadata?.longhaul_job === 'replay-cancelled' && b.status === 'in_progress'));
    await job.cancel('recording');
    await job.result();
    stack.emulator.setScenario({ clock: { speed: 2000 } });
    await save('cancelled-job', job.workflowId);
    await save('cancelled-shard', `${job.workflowId}/g0/r0/s0`);
  });

  shape('a reprocessed job (a run started by update-with-start)', async () => {
    stack.emulator.setScenario({ requestFaults: { invalidRequestRate: 0.2 } });
    const job = await start('replay-reprocess', 30);
    await job.result();
    stack.emulator.setScenario({ requestFaults: {} });
    await job.reprocess();
    await job.result();
    await save('reprocess-job', job.workflowId);
  });
  shape('flex', async () => {
    stack.emulator.setScenario({ requestFaults: {}, flex: {} });
    const job = await start('replay-flex', 20, { mode: 'flex' });
    await job.result();
    await save('flex-job', job.workflowId);
    await save('flex-shard', `${job.workflowId}/g0/r0/s0`);
  });

  shape('realtime', async () => {
    stack.emulator.setScenario({ requestFaults: {}, sync: {} });
    const job = await start('replay-realtime', 20, { mode: 'realtime' });
    await job.result();
    await save('realtime-job', job.workflowId);
    await save('realtime-shard', `${job.workflowId}/g0/r0/s0`);
  });

  shape('auto', async () => {
    stack.emulator.setScenario({ requestFaults: {} });
    const job = await start('replay-auto', 10, { mode: 'auto' });
    await job.result();
    await save('auto-job', job.workflowId);
  });

  shape('deadline fallback', async () => {
    // batches stay in progress: the job cancels them before its deadline and finishes their items on flex
    stack.emulator.setScenario({ requestFaults: {}, clock: { speed: 1 }, timing: { inProgressSeconds: 3_600 } });
    const job = await start('replay-deadline', 20, { deadline: new Date(Date.now() + 40_000).toISOString(), fallback: { marginMinutes: 0.4, expectedBatchHours: 0.001 } });
    await job.result();
    stack.emulator.setScenario({ clock: { speed: 2000 }, timing: {} });
    await save('deadline-job', job.workflowId);
    await save('deadline-shard', `${job.workflowId}/g0/r0/s0`);
  });

  shape('pause and resume', async () => {
    stack.emulator.setScenario({ requestFaults: {} });
    const job = await start('replay-paused', 40, { limits: { maxRequestsPerShard: 10, shardsInFlight: 1 } });
    await job.pause();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await job.resume();
    await job.result();
    await save('paused-job', job.workflowId);
  });

  shape('reprocess with spec changes', async () => {
    stack.emulator.setScenario({ requestFaults: {} });
    const job = await start('replay-changes', 20);
    await job.result();
    await job.reprocess({ all: true, changes: { prompt: { messages: [{ role: 'user', content: 'Triage this: {{subject}} / {{body}}' }] } } });
    await job.result();
    await save('reprocess-changes-job', job.workflowId);
    await save('reprocess-changes-shard', `${job.workflowId}/g1/r0/s0`);
  });

  shape('refused reprocess', async () => {
    stack.emulator.setScenario({ requestFaults: {} });
    const job = await start('replay-refused', 10);
    await job.result();
    await job.reprocess({ all: true, changes: { model: 'no-such-model-1' } }).catch(() => undefined);
    await job.result();
    await save('refused-reprocess-job', job.workflowId);
  });

  shape('anthropic', async () => {
    stack.emulator.setScenario({ requestFaults: {} });
    const job = await start('replay-anthropic', 20, { provider: 'anthropic', model: 'claude-haiku-4-5' });
    await job.result();
    await save('anthropic-job', job.workflowId);
    await save('anthropic-shard', `${job.workflowId}/g0/r0/s0`);
  });

  shape('webhook wake', async () => {
    // the shard sleeps 2 minutes between polls; the wake signal (what the webhook receiver sends) ends its wait
    stack.emulator.setScenario({ requestFaults: {} });
    const job = await start('replay-webhook', 5, { polling: { initialSeconds: 120, maxSeconds: 120 } });
    await waitFor('the batch completed', () => stack.emulator.inspect().batches.openai.some((b) => b.metadata?.longhaul_job === 'replay-webhook' && b.status === 'completed'));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await stack.client.temporal.workflow.getHandle(`${job.workflowId}/g0/r0/s0`).signal(wakeShardSignal);
    await job.result();
    await save('webhook-job', job.workflowId);
    await save('webhook-shard', `${job.workflowId}/g0/r0/s0`);
  });
});

record('record histories for replay: S3 and PostgreSQL stores', () => {
  let stack: TestStack;
  beforeAll(async () => {
    const s3 = testS3();
    const env = { ...s3.env(), LONGHAUL_BLOB_STORE: `s3://${await s3.createBucket()}/longhaul`, LONGHAUL_RESULT_STORE: await testPostgresUrl() };
    stack = await startTestStack({ scenario: { clock: { speed: 2000 } }, env });
    mkdirSync(OUT, { recursive: true });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  shape('stores', async () => {
    const job = await stack.client.start({
      jobId: 'replay-stores',
      dataset: { path: writeTicketsJsonl(path.join(stack.dir, 'replay-stores'), 30), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 15 },
      polling: { initialSeconds: 0.2, maxSeconds: 0.5 },
    });
    await job.result();
    await saveHistory(stack.client.temporal, 'stores-job', job.workflowId);
    await saveHistory(stack.client.temporal, 'stores-shard', `${job.workflowId}/g0/r0/s0`);
  });
});

record('record histories for replay: continue-as-new', () => {
  let server: DevServer;
  let stack: TestStack;
  beforeAll(async () => {
    const dir = tempDir('longhaul-record-can-');
    // a server that suggests continue-as-new after 30 events, as test/workflows/continue-as-new.test.ts
    server = await startDevServer({ headless: true, logFile: path.join(dir, 'temporal.log'), dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 30 } });
    stack = await startTestStack({ address: server.address, dataDir: dir, scenario: { clock: { speed: 300 }, timing: { inProgressSeconds: 10_000_000 }, requestFaults: { serverErrorRate: 0.3 } } });
    mkdirSync(OUT, { recursive: true });
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
  });

  shape('continue-as-new', async () => {
    const job = await stack.client.start({
      jobId: 'replay-can',
      dataset: { path: writeTicketsJsonl(stack.dir, 60), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 20, shardsInFlight: 3 },
      retry: { maxRounds: 6 },
      polling: { initialSeconds: 0.1, maxSeconds: 0.1 },
    });
    const client = stack.client.temporal;
    const shard = `${job.workflowId}/g0/r0/s0`;
    const deadline = Date.now() + 60_000;
    while ((await continuedFrom(client, shard)) === '') {
      if (Date.now() > deadline) throw new Error('shard s0 never continued as new while its batch was held');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    stack.emulator.setScenario({ timing: { inProgressSeconds: 30 } });
    await job.result();
    // the shard's first run ends in a continue-as-new mid-poll; the job's first run, between rounds
    await saveHistory(client, 'can-shard-first-run', shard, await firstRun(client, shard));
    await saveHistory(client, 'can-shard-last-run', shard);
    const jobFirst = await firstRun(client, job.workflowId);
    if (jobFirst) await saveHistory(client, 'can-job-first-run', job.workflowId, jobFirst);
    await saveHistory(client, 'can-job-last-run', job.workflowId);
  });

  shape('continue-as-new inside a round', async () => {
    stack.emulator.setScenario({ timing: { inProgressSeconds: 30 }, requestFaults: {} });
    const job = await stack.client.start(inRoundJob(stack.dir, 'replay-can-in-round', 12));
    await job.result();
    const client = stack.client.temporal;
    // the first run stops launching shards when the history is full and continues as new inside round 0
    const first = await firstRun(client, job.workflowId);
    if (!first) throw new Error('the job never continued as new inside its round');
    await saveHistory(client, 'can-in-round-job-first-run', job.workflowId, first);
    await saveHistory(client, 'can-in-round-job-last-run', job.workflowId);
  });
});

/** The first run of a workflow that continued as new; undefined when it never did. */
async function firstRun(client: Client, workflowId: string): Promise<string | undefined> {
  const runs = await runChain(client, workflowId);
  return runs.length > 1 ? runs[0]!.runId : undefined;
}
