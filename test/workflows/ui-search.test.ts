import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultPayloadConverter, type TypedSearchAttributes } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { SA } from '../../src/contracts/search-attributes';
import { TICKET_PROMPT, writeTicketsJsonl } from '../support/datasets';
import { startTestStack, workflowBundle, type TestStack } from '../support/stack';
import { waitFor } from '../support/worker-process';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const JOB = 'ui-search';
const SHARD_1 = `longhaul/${JOB}/g0/r0/s1`;

/** The one-line summaries (user metadata) of a history's events, in order. */
function summariesOf(events: HistoryEvent[] | null | undefined): string[] {
  return (events ?? []).flatMap((e) => (e.userMetadata?.summary ? [defaultPayloadConverter.fromPayload<string>(e.userMetadata.summary)] : []));
}

/**
 * Shards are found by their search attributes (job, round, shard, batch id, phase), and the UI's timeline names
 * each activity, timer and shard child with a summary. Against the real dev server: visibility is eventually
 * consistent, so every list is polled with a generous deadline.
 */
describe('finding a shard by its batch id; summaries in the Temporal UI', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // batches stay in progress until the job is cancelled
    stack = await startTestStack({ scenario: { timing: { inProgressSeconds: 300_000, cancellingSeconds: 1 } } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  /** Workflows matching a list query once there are `count` of them (visibility lags a little). */
  async function listUntil(query: string, count: number): Promise<Array<{ workflowId: string; sa: TypedSearchAttributes }>> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const found: Array<{ workflowId: string; sa: TypedSearchAttributes }> = [];
      for await (const wf of stack.client.temporal.workflow.list({ query })) found.push({ workflowId: wf.workflowId, sa: wf.typedSearchAttributes });
      if (found.length === count || Date.now() > deadline) return found.sort((a, b) => a.workflowId.localeCompare(b.workflowId));
      await sleep(250);
    }
  }

  it('lists the shard that holds a batch, by batch id, by job/round/shard and by phase; summaries name shards, rounds and batches', async () => {
    const job = await stack.client.start({
      jobId: JOB,
      dataset: { path: writeTicketsJsonl(stack.dir, 30), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      limits: { maxRequestsPerShard: 10, shardsInFlight: 3 },
      polling: { initialSeconds: 0.2, maxSeconds: 0.5 },
    });
    const batch = await waitFor('shard 1\'s batch in progress', () =>
      stack.emulator.inspect().batches.openai.find((b) => b.metadata?.longhaul_shard === `${JOB}/g0/r0/s1` && b.status === 'in_progress'),
    );

    // the README's line: temporal workflow list --query 'LonghaulBatchId="batch_..."'
    const cli = process.env.LONGHAUL_TEMPORAL_CLI!;
    const deadline = Date.now() + 60_000;
    let listed = '';
    while (!listed.includes(SHARD_1) && Date.now() < deadline) {
      listed = execFileSync(cli, ['workflow', 'list', '--address', stack.address, '--query', `LonghaulBatchId="${batch.id}"`, '-o', 'json'], { encoding: 'utf8' });
      if (!listed.includes(SHARD_1)) await sleep(250);
    }
    expect(listed).toContain(SHARD_1);
    const rows = JSON.parse(listed) as Array<{ execution: { workflowId: string }; parentExecution?: { workflowId: string } }>;
    expect(rows.map((r) => [r.execution.workflowId, r.parentExecution?.workflowId])).toEqual([[SHARD_1, `longhaul/${JOB}`]]);

    // all five attributes on the shard; the phase follows the batch
    const [byBatch] = await listUntil(`LonghaulBatchId = "${batch.id}" AND LonghaulShardPhase = "in_progress"`, 1);
    expect(byBatch?.workflowId).toBe(SHARD_1);
    expect([SA.jobId, SA.round, SA.shard, SA.batchId, SA.shardPhase].map((k) => byBatch!.sa.get(k as never))).toEqual([JOB, 0, 1, batch.id, 'in_progress']);
    const byPlace = await listUntil(`LonghaulJobId = "${JOB}" AND WorkflowType = "shardWorkflow" AND LonghaulRound = 0 AND LonghaulShard = 2`, 1);
    expect(byPlace.map((w) => w.workflowId)).toEqual([`longhaul/${JOB}/g0/r0/s2`]);
    const jobsShards = await listUntil(`LonghaulJobId = "${JOB}" AND WorkflowType = "shardWorkflow"`, 3);
    expect(jobsShards.map((w) => w.workflowId)).toEqual([0, 1, 2].map((i) => `longhaul/${JOB}/g0/r0/s${i}`));
    // the job list (longhaul status) still shows jobs only, not their shards
    const jobs: string[] = [];
    for await (const j of stack.client.list({ query: `LonghaulJobId = "${JOB}"` })) jobs.push(j.jobId);
    expect(jobs).toEqual([JOB]);

    // static summaries and details: the job from its start, each shard from its parent's start command
    const shardHandle = stack.client.temporal.workflow.getHandle(SHARD_1);
    const shardDescription = await shardHandle.describe();
    expect(await shardDescription.staticSummary()).toBe('shard 1, round 0: 10 requests');
    expect(await shardDescription.staticDetails()).toContain(`LonghaulJobId = "${JOB}" AND WorkflowType = "shardWorkflow"`);
    const jobHandle = stack.client.temporal.workflow.getHandle(`longhaul/${JOB}`);
    const jobDescription = await jobHandle.describe();
    expect(await jobDescription.staticSummary()).toMatch(/^gpt-4o-mini on openai \(batch\): .+\.jsonl$/);
    expect(await jobDescription.staticDetails()).toContain(`LonghaulJobId = "${JOB}"`);

    // a few polls before the cancel: they must not each add a search attribute upsert
    const pollDeadline = Date.now() + 60_000;
    while ((await shardHandle.query<{ polls: number }>('longhaul.shardProgress')).polls < 10) {
      if (Date.now() > pollDeadline) throw new Error('shard 1 did not poll 10 times within 60 s');
      await sleep(250);
    }
    await job.cancel('test');
    await job.result().catch(() => undefined);
    const done = await listUntil(`LonghaulJobId = "${JOB}" AND WorkflowType = "shardWorkflow" AND LonghaulShardPhase = "done"`, 3);
    expect(done).toHaveLength(3);

    // summaries on the timeline: activities, timers and children
    const jobHistory = await jobHandle.fetchHistory();
    const jobSummaries = summariesOf(jobHistory.events);
    expect(jobSummaries).toEqual(expect.arrayContaining(['begin the job', 'prepare generation 0 (read the dataset, write batch shards)', 'shard 0, round 0: 10 requests', 'shard 2, round 0: 10 requests']));
    expect(jobSummaries).toContain('finalize generation 0 (settle every item, write the report)');
    const shardHistory = await shardHandle.fetchHistory();
    const shardSummaries = summariesOf(shardHistory.events);
    expect(shardSummaries).toEqual(expect.arrayContaining(['submit shard 1, round 0', `poll ${batch.id} (shard 1, round 0)`, `wait for ${batch.id}`, `cancel ${batch.id} (shard 1, round 0)`, `collect shard 1, round 0 (${batch.id})`]));
    // an upsert for each change of phase or batch, not for every poll
    const field = (e: HistoryEvent, name: string) => {
      const payload = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[name];
      return payload ? defaultPayloadConverter.fromPayload<string>(payload) : undefined;
    };
    let batchSoFar: string | undefined;
    // (the patch marker adds one of its own, for TemporalChangeVersion)
    const upserted = (shardHistory.events ?? []).filter((e) => field(e, 'LonghaulShardPhase') !== undefined).map((e) => {
      batchSoFar = field(e, 'LonghaulBatchId') ?? batchSoFar;
      return `${field(e, 'LonghaulShardPhase')} ${batchSoFar ?? '-'}`;
    });
    expect(upserted[0]).toBe('submitting -');
    expect(upserted.slice(-3)).toEqual([`cancelled ${batch.id}`, `collecting ${batch.id}`, `done ${batch.id}`]);
    expect(upserted.filter((u, i) => u === upserted[i - 1])).toEqual([]);
    expect(shardSummaries.filter((s) => s.startsWith('poll ')).length).toBeGreaterThanOrEqual(10);

    // histories with the new commands (patch marker, upserts, metadata) replay against this code
    const bundle = workflowBundle();
    const options = bundle ? { workflowBundle: bundle } : { workflowsPath: require.resolve('../../workflows') };
    await Worker.runReplayHistory(options, shardHistory, SHARD_1);
    await Worker.runReplayHistory(options, jobHistory, `longhaul/${JOB}`);

    // a reprocess that starts a new run says so; its shards name their generation
    stack.emulator.setScenario({ timing: { inProgressSeconds: 600 } });
    await job.reprocess();
    await job.result();
    expect(await (await jobHandle.describe()).staticSummary()).toBe(`reprocess (failed items) of job ${JOB}`);
    const regenerated = await stack.client.temporal.workflow.getHandle(`longhaul/${JOB}/g1/r0/s0`).describe();
    expect(await regenerated.staticSummary()).toMatch(/^shard 0, round 0, generation 1: \d+ requests$/);
  });
});
