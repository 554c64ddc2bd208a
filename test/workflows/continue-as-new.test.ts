import path from 'node:path';
import { startDevServer, type DevServer } from '../../src/dev/temporal-dev-server';
import { SA } from '../../src/contracts/search-attributes';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectExactlyOnce, expectOneOutcomePerItem } from '../support/job-assertions';
import { continuedFrom, inRoundJob, runChain } from '../support/run-chain';
import { tempDir } from '../support/temp-dirs';

/**
 * A server that suggests continue-as-new after 30 events (the default is 4,096), so a job with long waits
 * and several rounds crosses it: shards that poll many times and the job between rounds continue as new, and a
 * round of many shards continues as new inside the round.
 */
const HELD = 10_000_000;

describe('continue-as-new where Temporal suggests it', () => {
  let server: DevServer;
  let stack: TestStack;
  beforeAll(async () => {
    const dir = tempDir('longhaul-can-');
    server = await startDevServer({ headless: true, logFile: path.join(dir, 'temporal.log'), dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 30 } });
    // batches stay in progress until the test lets them end (below), so a shard surely polls past 30 events
    // however slow the machine is
    stack = await startTestStack({ address: server.address, dataDir: dir, scenario: { clock: { speed: 300 }, timing: { inProgressSeconds: HELD }, requestFaults: { serverErrorRate: 0.3 } } });
  });
  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
  });

  it('the job and its shards continue as new and still give every item one outcome', async () => {
    const input = writeTicketsJsonl(stack.dir, 60);
    const job = await stack.client.start({
      jobId: 'can-job',
      dataset: { path: input, idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 20, shardsInFlight: 3 },
      retry: { maxRounds: 6 },
      polling: { initialSeconds: 0.1, maxSeconds: 0.1 },
    });
    const deadline = Date.now() + 60_000;
    while ((await continuedFrom(stack.client.temporal, 'longhaul/can-job/g0/r0/s0')) === '') {
      if (Date.now() > deadline) throw new Error('shard s0 never continued as new while its batch was held');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // the continued run can still be found by its batch: it carries the shard's search attributes
    const shard0 = stack.client.temporal.workflow.getHandle('longhaul/can-job/g0/r0/s0');
    let continued = await shard0.describe();
    // (its first task may not have run yet)
    for (let tries = 0; continued.typedSearchAttributes.get(SA.batchId) === undefined && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      continued = await shard0.describe();
    }
    expect(continued.typedSearchAttributes.get(SA.batchId)).toMatch(/^batch_/);
    expect([continued.typedSearchAttributes.get(SA.jobId), continued.typedSearchAttributes.get(SA.round), continued.typedSearchAttributes.get(SA.shard)]).toEqual(['can-job', 0, 0]);
    // held batches now end (0.1 s), and so do those of later rounds
    stack.emulator.setScenario({ timing: { inProgressSeconds: 30 } });
    const report = await job.result();
    expectOneOutcomePerItem(report, 60);
    expectExactlyOnce(stack.emulator, 'can-job');
    expect(await continuedFrom(stack.client.temporal, 'longhaul/can-job')).not.toBe('');
  });

  it('a round of more shards than one history holds continues as new inside the round', async () => {
    stack.emulator.setScenario({ timing: { inProgressSeconds: 30 }, requestFaults: {} });
    // one round only: any continue-as-new of the job happened inside it
    const job = await stack.client.start(inRoundJob(stack.dir, 'can-in-round', 16));
    const report = await job.result();
    expectOneOutcomePerItem(report, 16);
    expectExactlyOnce(stack.emulator, 'can-in-round');
    expect(report.shards).toBe(16);
    // every run's history: the first ones end in a continue-as-new, each launched some shards, and together all 16 once
    const runs = (await runChain(stack.client.temporal, job.workflowId)).map(({ history }) =>
      (history.events ?? []).map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId).filter((id): id is string => !!id),
    );
    expect(runs.length).toBeGreaterThan(1);
    for (const launched of runs) expect(launched.length).toBeGreaterThan(0);
    const all = runs.flat();
    expect(new Set(all).size).toBe(16);
    expect(all).toHaveLength(16);
  });
});
