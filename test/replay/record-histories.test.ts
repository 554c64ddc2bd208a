import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { waitFor } from '../support/worker-process';

/**
 * Records the histories that test/replay/replay.test.ts replays: finished jobs of each shape (plain, with
 * retry and repair rounds, cancelled, reprocessed), job workflow and one shard each. Runs only with
 * LONGHAUL_RECORD_HISTORIES=1 (`npm run record-histories`): re-record when a workflow change is meant to be
 * incompatible, and keep the old files while old runs may still be open (see README, versioning).
 */
const record = process.env.LONGHAUL_RECORD_HISTORIES === '1' ? describe : describe.skip;
const OUT = path.join(__dirname, '..', 'fixtures', 'histories');

record('record histories for replay', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ scenario: { clock: { speed: 2000 } } });
    mkdirSync(OUT, { recursive: true });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function save(name: string, workflowId: string, runId?: string) {
    const history = await stack.client.temporal.workflow.getHandle(workflowId, runId).fetchHistory();
    writeFileSync(path.join(OUT, `${name}.json`), historyToJSON(history));
  }

  const start = (jobId: string, items: number) =>
    stack.client.start({
      jobId,
      dataset: { path: writeTicketsJsonl(path.join(stack.dir, jobId), items), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: { messages: [{ role: 'system', content: `Classify. [${jobId}]` }, TICKET_PROMPT.messages[1]!] },
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 20 },
      polling: { initialSeconds: 0.2, maxSeconds: 0.5 },
    });

  it('a plain job', async () => {
    stack.emulator.setScenario({ requestFaults: {} });
    const job = await start('replay-plain', 40);
    await job.result();
    await save('plain-job', job.workflowId);
    await save('plain-shard', `${job.workflowId}/g0/r0/s0`);
  });

  it('a job with retry and repair rounds', async () => {
    stack.emulator.setScenario({ requestFaults: { serverErrorRate: 0.2, brokenSchemaRate: 0.2, invalidRequestRate: 0.05 } });
    const job = await start('replay-rounds', 40);
    await job.result();
    await save('rounds-job', job.workflowId);
    await save('rounds-shard', `${job.workflowId}/g0/r1/s0`);
  });

  it('a cancelled job', async () => {
    stack.emulator.setScenario({ requestFaults: {}, clock: { speed: 100 } });
    const job = await start('replay-cancelled', 40);
    await waitFor('a batch in progress', () => stack.emulator.inspect().batches.openai.some((b) => b.metadata?.longhaul_job === 'replay-cancelled' && b.status === 'in_progress'));
    await job.cancel('recording');
    await job.result();
    stack.emulator.setScenario({ clock: { speed: 2000 } });
    await save('cancelled-job', job.workflowId);
    await save('cancelled-shard', `${job.workflowId}/g0/r0/s0`);
  });

  it('a reprocessed job (a run started by update-with-start)', async () => {
    stack.emulator.setScenario({ requestFaults: { invalidRequestRate: 0.2 } });
    const job = await start('replay-reprocess', 30);
    await job.result();
    stack.emulator.setScenario({ requestFaults: {} });
    await job.reprocess();
    await job.result();
    await save('reprocess-job', job.workflowId);
  });
});
