import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import OpenAI from 'openai';
import { createActivities, type SubmitShardInput } from '../../activities';
import type { PrepareResult } from '../../src/dataset/prepare-job';
import { JobSpecSchema } from '../../src/spec/job-spec';
import { resolveSpec } from '../../src/spec/resolve-spec';
import { createWorkerDeps } from '../../src/worker/worker-deps';
import { shardAttemptId } from '../../workflows/internal/workflow-ids';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';

/**
 * submitShard run alone (MockActivityEnvironment delivers the cancel) against the emulator over HTTP, the
 * worker's real blob store and SQLite: a cancel never loses a batch the provider accepted, and a cancel before
 * the create creates nothing.
 */
describe('submitShard under cancellation: exactly once', () => {
  let stack: TestStack;
  let deps: Awaited<ReturnType<typeof createWorkerDeps>>;
  beforeEach(async () => {
    stack = await startTestStack({ worker: false, scenario: { clock: { speed: 2000 } } });
    deps = await createWorkerDeps(stack.config);
  });
  afterEach(async () => {
    await deps?.close();
    await stack?.stop();
  });

  const env = () => new MockActivityEnvironment({ heartbeatTimeoutMs: 2_000 });
  async function preparedShard(jobId: string): Promise<SubmitShardInput> {
    const spec = resolveSpec(JobSpecSchema.parse({ dataset: { path: writeTicketsJsonl(stack.dir, 20, `${jobId}.jsonl`), idField: 'id' }, model: 'gpt-4o-mini', prompt: TICKET_PROMPT, outputSchema: { name: 'ticket', schema: TICKET_SCHEMA } }), jobId);
    const prepared = (await env().run(createActivities(deps).prepareJob, { spec, generation: 0, selection: 'all' as const })) as PrepareResult;
    const shard = prepared.shards[0]!;
    const address = { jobId, generation: 0, round: 0, index: shard.index };
    return { provider: 'openai', shard: address, shardAttemptId: shardAttemptId(jobId, 0, 0, shard.index), endpoint: spec.endpoint, model: spec.model, requests: shard.requests, bytes: shard.bytes, quotaRetryMs: 1_000 };
  }
  const tagged = (attempt: string) => stack.emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_shard === attempt);
  async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('a cancel while the create is in flight: the batch id is recorded, the one batch stays', async () => {
    const input = await preparedShard('cancel-in-create');
    stack.emulator.setScenario({ clock: { speed: 2000 }, endpointFaults: [{ method: 'POST', path: '/v1/batches', action: 'delay', delayMs: 3_000, count: 1 }] });
    const submitting = env();
    const running = submitting.run(createActivities(deps).submitShard, input).then((r) => r, (err: unknown) => err);
    await until('the create under way', () => stack.emulatorLog.includes('fault delay POST /v1/batches'));
    submitting.cancel();
    const outcome = await running;
    const batches = tagged(input.shardAttemptId);
    expect(batches).toHaveLength(1);
    // the attempt waited for the create and recorded it: the cancel did not lose the batch
    expect((await deps.store.getBatchRecord(input.shardAttemptId))?.batchId).toBe(batches[0]!.id);
    expect(outcome).toMatchObject({ batchId: batches[0]!.id, via: 'created' });
    // a retry (or the shard's collect) finds it by its record
    expect(await env().run(createActivities(deps).submitShard, input)).toMatchObject({ batchId: batches[0]!.id, via: 'record' });
  });

  it('a cancel while the shard uploads: reported as cancelled, no batch, its upload deleted', async () => {
    const input = await preparedShard('cancel-in-upload');
    stack.emulator.setScenario({ clock: { speed: 2000 }, endpointFaults: [{ method: 'POST', path: '/v1/files', action: 'delay', delayMs: 2_000, count: 1 }] });
    const submitting = env();
    const running = submitting.run(createActivities(deps).submitShard, input).then((r) => r, (err: unknown) => err);
    await until('the upload under way', () => stack.emulatorLog.includes('fault delay POST /v1/files'));
    submitting.cancel();
    expect(await running).toBeInstanceOf(CancelledFailure);
    expect(tagged(input.shardAttemptId)).toHaveLength(0);
    expect((await deps.store.getBatchRecord(input.shardAttemptId))?.batchId ?? undefined).toBeUndefined();
    const files = new OpenAI({ apiKey: 'test', baseURL: stack.emulator.openaiBaseURL, maxRetries: 0 });
    expect((await files.files.list()).data.filter((f) => f.purpose === 'batch')).toHaveLength(0);
  });
});
