import { rmSync } from 'node:fs';
import path from 'node:path';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, ticket, writeTicketsJsonl } from '../support/datasets';
import { expectExactlyOnce, expectOneOutcomePerItem } from '../support/job-assertions';
import { waitFor } from '../support/worker-process';
import { jobLayout } from '../../src/storage/job-layout';

const ITEMS = 200;
const PER_SHARD = 50;

jest.setTimeout(180_000);

/**
 * Blobs deleted from the store after prepare wrote them (someone cleaned the bucket, a lifecycle rule, a store
 * that is not shared after all). The one activity that needs the blob fails with the typed non-retryable
 * BlobNotFound failure naming the key, the worker stays up and runs the other shards, and the job ends with one
 * outcome per item. A lost shard file: its items fail with a message naming the key and are not re-sent in a
 * later round (their requests are gone; `longhaul reprocess` renders them again). A lost manifest: the batch's
 * answers cannot be joined to items, so none is made up; finalize fails the shard's items as without an outcome.
 */
describe('a blob that vanishes between steps of a job', () => {
  let stack: TestStack;
  // a stack each: a job on the same rows and task version would find the other's answers cached
  beforeEach(async () => {
    // batches take a few seconds at this speed: with one shard in flight the last shard waits long enough
    stack = await startTestStack({ scenario: { clock: { speed: 200 } } });
  });
  afterEach(async () => {
    await stack?.stop();
  });

  function start(jobId: string, more: { output?: { includeInput: boolean } } = {}) {
    return stack.client.start({
      jobId,
      ...more,
      dataset: { path: writeTicketsJsonl(stack.dir, ITEMS, `${jobId}.jsonl`), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: PER_SHARD, shardsInFlight: 1 },
      polling: { initialSeconds: 0.3, maxSeconds: 1 },
      timeouts: { heartbeatSeconds: 5, requestSeconds: 10 },
    });
  }

  it('a shard file that vanishes before its submit: that submit fails naming the key, the job ends with those items failed; the worker stays up', async () => {
    const job = await start('vanished-shard');
    const ofJob = () => stack.emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_job === 'vanished-shard');
    await waitFor('the first batch at the provider', () => ofJob().length >= 1, 60_000);
    expect(stack.config.storage.kind).toBe('local');
    const key = jobLayout.shardInput({ jobId: 'vanished-shard', generation: 0, round: 0, index: 3 });
    rmSync(path.join((stack.config.storage as { dir: string }).dir, key));

    const report = await job.result();
    const lines = expectOneOutcomePerItem(report, ITEMS);
    const lost = lines.slice(3 * PER_SHARD);
    expect(lines.slice(0, 3 * PER_SHARD).every((l) => l.state === 'succeeded')).toBe(true);
    expect(lost.every((l) => l.state === 'failed')).toBe(true);
    for (const line of lost) expect(line.error).toEqual({ reason: 'batch_failed', message: expect.stringContaining(key) });
    // three batches were created; the lost shard never reached the provider, nor was it re-sent
    expect(ofJob()).toHaveLength(3);
    expectExactlyOnce(stack.emulator, 'vanished-shard');
    // the submit failed once, typed and non-retryable, naming the key
    const history = await stack.client.temporal.workflow.getHandle('longhaul/vanished-shard/g0/r0/s3').fetchHistory();
    const failures = (history.events ?? []).flatMap((e) => (e.activityTaskFailedEventAttributes ? [e.activityTaskFailedEventAttributes.failure] : []));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.applicationFailureInfo).toMatchObject({ type: 'BlobNotFound', nonRetryable: true });
    expect(failures[0]?.message).toContain(key);

    // a reprocess renders them again from the dataset: every item succeeds
    await job.reprocess();
    const again = await job.result();
    expect(expectOneOutcomePerItem(again, ITEMS).every((l) => l.state === 'succeeded')).toBe(true);
  });

  it('a manifest that vanishes before its collect: that collect fails naming the key, the job ends with those items failed', async () => {
    const jobId = 'vanished-manifest';
    const job = await start(jobId);
    const ofJob = () => stack.emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_job === jobId);
    await waitFor('the first batch at the provider', () => ofJob().length >= 1, 60_000);
    const key = jobLayout.shardManifest({ jobId, generation: 0, round: 0, index: 3 });
    rmSync(path.join((stack.config.storage as { dir: string }).dir, key));

    const report = await job.result();
    const lines = expectOneOutcomePerItem(report, ITEMS);
    expect(lines.slice(0, 3 * PER_SHARD).every((l) => l.state === 'succeeded')).toBe(true);
    // without its manifest the batch's answers cannot be joined to items: they are failed, none made up
    for (const line of lines.slice(3 * PER_SHARD)) expect(line).toMatchObject({ state: 'failed', error: { reason: 'missing_result' } });
    expectExactlyOnce(stack.emulator, jobId);
    const history = await stack.client.temporal.workflow.getHandle(`longhaul/${jobId}/g0/r0/s3`).fetchHistory();
    const failures = (history.events ?? []).flatMap((e) => (e.activityTaskFailedEventAttributes ? [e.activityTaskFailedEventAttributes.failure] : []));
    expect(failures.map((f) => [f?.applicationFailureInfo?.type, f?.applicationFailureInfo?.nonRetryable])).toEqual([['BlobNotFound', true]]);
    expect(failures[0]?.message).toContain(key);
  });

  it('a dataset that vanishes before finalize: the results are written from the stored outcomes, inputs left out', async () => {
    const jobId = 'vanished-dataset';
    const job = await start(jobId, { output: { includeInput: true } });
    const ofJob = () => stack.emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_job === jobId);
    await waitFor('the first batch at the provider', () => ofJob().length >= 1, 60_000);
    // a local dataset is read where it is (the blob store is a local directory): the user deletes it
    rmSync(path.join(stack.dir, `${jobId}.jsonl`));

    const report = await job.result();
    const lines = expectOneOutcomePerItem(report, ITEMS);
    expect(lines.every((l) => l.state === 'succeeded')).toBe(true);
    expect(lines.map((l) => l.id)).toEqual(Array.from({ length: ITEMS }, (_, i) => ticket(i).id));
    expect(lines.every((l) => l.input === undefined)).toBe(true);
  });
});
