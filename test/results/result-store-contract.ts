import type { ItemOutcome } from '../../src/results/item-outcome';
import type { ResultStore } from '../../src/results/result-store';
import type { StoredOutcome } from '../../src/results/item-outcome';
import { CLOSED_CLAIM } from '../../src/results/submit-records';

/** A result store as the contract drives it: the interface, and a page of stored outcomes. */
export type ContractStore = ResultStore & { page(jobId: string, afterSeq: number): Promise<StoredOutcome[]> };

const outcome = (over: Partial<ItemOutcome>): ItemOutcome => ({
  seq: 0, line: 1, itemKey: 'a', requestKey: 'rk', state: 'succeeded', reason: null, message: null,
  generation: 0, round: 0, tier: 'batch', output: { ok: true }, tokensIn: 1, tokensOut: 1, costUsd: 0, ...over,
});

/**
 * The ResultStore contract: the same rules (later attempt wins, idempotent upserts, conflicts, the exactly-once
 * batch records, strays, create leases, the answer cache, job records) for every implementation. `open` gives
 * an empty store each time.
 */
export function resultStoreContract(name: string, open: () => Promise<ContractStore>): void {
  describe(`ResultStore contract: ${name}`, () => {
  it('never lets an earlier attempt overwrite a later one, and settles retryable ones once', async () => {
    const store = await open();
    await store.upsertOutcomes('j', 'tv', [outcome({ round: 1, state: 'failed_retryable', reason: 'server_error', output: undefined })]);
    await store.upsertOutcomes('j', 'tv', [outcome({ round: 0, state: 'succeeded' })]); // stale collect of round 0
    expect((await store.counts('j')).byState.failed_retryable).toBe(1);
    await store.upsertOutcomes('j', 'tv', [outcome({ round: 2, state: 'succeeded' })]);
    await store.upsertOutcomes('j', 'tv', [outcome({ round: 2, state: 'failed', reason: 'invalid_output' })]); // same attempt: no flip-flop
    expect((await store.counts('j')).byState.succeeded).toBe(1);
    await store.upsertOutcomes('j', 'tv', [outcome({ generation: 1, round: 0, state: 'cached' })]); // a new generation wins
    expect((await store.counts('j')).byState.cached).toBe(1);
  });

  it('lets a conflict replace anything of its own attempt, and nothing of that attempt replace it', async () => {
    const store = await open();
    const conflict = outcome({ state: 'failed_retryable', reason: 'conflicting_results', message: 'two answers', output: undefined });
    await store.upsertOutcomes('j', 'tv', [outcome({})]);
    await store.upsertOutcomes('j', 'tv', [conflict]);
    await store.upsertOutcomes('j', 'tv', [outcome({})]); // the same file collected again
    expect((await store.page('j', -1))[0]).toMatchObject({ state: 'failed_retryable', reason: 'conflicting_results' });
    await store.upsertOutcomes('j', 'tv', [outcome({ round: 0, state: 'failed', reason: 'invalid_output', output: undefined })]);
    expect((await store.page('j', -1))[0]).toMatchObject({ reason: 'conflicting_results' });
    await store.upsertOutcomes('j', 'tv', [outcome({ round: 1 })]); // the retry round settles it
    expect((await store.page('j', -1))[0]).toMatchObject({ state: 'succeeded', round: 1 });
    await store.upsertOutcomes('j', 'tv', [conflict]); // a stale collect of round 0
    expect((await store.page('j', -1))[0]).toMatchObject({ state: 'succeeded', round: 1 });
  });

  it('stores a mixed batch as given: each attempt and tier, answers as their JSON text or serialized', async () => {
    const store = await open();
    const given = [
      outcome({ seq: 0, round: 0, tier: 'batch', outputJson: '{"a": 1}', output: { a: 1 } }),
      outcome({ seq: 1, round: 1, tier: 'batch', output: { b: [1, 2] } }),
      outcome({ seq: 2, round: 1, tier: 'realtime', output: 'text', costUsd: 0.5 }),
      outcome({ seq: 3, round: 1, state: 'failed', reason: 'invalid_request', message: 'bad\tparam', output: undefined }),
      outcome({ seq: 4, generation: 2, round: 0, tier: 'flex', itemKey: "it's", requestKey: null, output: null }),
      outcome({ seq: 5, round: 0, tier: 'batch', output: 7 }),
    ];
    await store.upsertOutcomes('j', 'tv', given);
    const stored = await store.page('j', -1);
    expect(stored.map((o) => [o.seq, o.state, o.generation, o.round, o.tier, o.outputJson, o.message, o.itemKey, o.requestKey, o.costUsd])).toEqual([
      [0, 'succeeded', 0, 0, 'batch', '{"a": 1}', null, 'a', 'rk', 0],
      [1, 'succeeded', 0, 1, 'batch', '{"b":[1,2]}', null, 'a', 'rk', 0],
      [2, 'succeeded', 0, 1, 'realtime', '"text"', null, 'a', 'rk', 0.5],
      [3, 'failed', 0, 1, 'batch', null, 'bad\tparam', 'a', 'rk', 0],
      [4, 'succeeded', 2, 0, 'flex', 'null', null, "it's", null, 0],
      [5, 'succeeded', 0, 0, 'batch', '7', null, 'a', 'rk', 0],
    ]);
    // attempts still order: an earlier round's answer does not replace round 1's failure, a later one does
    await store.upsertOutcomes('j', 'tv', [outcome({ seq: 3, round: 0 }), outcome({ seq: 1, round: 2, output: { b: 3 } })]);
    const again = Object.fromEntries((await store.page('j', -1)).map((o) => [o.seq, o]));
    expect(again[3]).toMatchObject({ state: 'failed', round: 1 });
    expect(again[1]).toMatchObject({ round: 2, outputJson: '{"b":3}' });
  });

  it('upserts long runs of answers many rows to a statement, with the same rules as one by one', async () => {
    const store = await open();
    await store.upsertOutcomes('j', 'tv', [outcome({ seq: 5, round: 1, state: 'failed_retryable', reason: 'expired', output: undefined })]);
    const run = Array.from({ length: 40 }, (_, seq) => outcome({ seq, line: seq + 1, output: { n: seq } }));
    run.splice(20, 0, outcome({ seq: 3, round: 0, output: { n: 'again' } })); // the same attempt again: ignored
    run.splice(30, 0, outcome({ seq: 7, round: 1, output: { n: 'round 1' } })); // a later attempt mid-run: wins
    run.push(outcome({ seq: 5, round: 1, output: { n: 'settled' } })); // settles the retryable one of its attempt
    await store.upsertOutcomes('j', 'tv', run);
    const stored = Object.fromEntries((await store.page('j', -1)).map((o) => [o.seq, o]));
    expect(Object.keys(stored)).toHaveLength(40);
    expect(stored[3]).toMatchObject({ round: 0, outputJson: '{"n":3}' });
    expect(stored[7]).toMatchObject({ round: 1, outputJson: '{"n":"round 1"}' });
    expect(stored[5]).toMatchObject({ round: 1, state: 'succeeded', outputJson: '{"n":"settled"}' });
    expect(stored[39]).toMatchObject({ line: 40, outputJson: '{"n":39}' });
  });

  it('keeps every text exactly: quotes, backslashes, braces, commas, line breaks, NULL as a word, non-ASCII', async () => {
    const store = await open();
    const samples = ['"quoted"', 'back\\slash', '\\"', '{a,b}', 'a, b', 'NULL', 'null', '', ' padded ', 'line\nbreak', 'tab\there', 'é 😀 中文', '\\n is not a line break'];
    const given = samples.map((text, seq) => outcome({ seq, itemKey: text, requestKey: seq % 2 ? text : null, message: text, outputJson: JSON.stringify({ text }), output: { text } }));
    given.push(outcome({ seq: samples.length, itemKey: 'plain', outputJson: '{"ok":true}', costUsd: 1e-7, tokensIn: 2 ** 40 }));
    const texts = (outcomes: readonly { itemKey: string; requestKey: string | null; message: string | null; outputJson?: string | null }[]) =>
      outcomes.map((o) => [o.itemKey, o.requestKey, o.message, o.outputJson]);
    // a batch without control characters, then all of them in one (a store may encode the two apart)
    const plain = given.filter((o) => !/[\n\t]/.test(o.itemKey));
    await store.upsertOutcomes('j', 'tv', plain);
    expect(texts(await store.page('j', -1))).toEqual(texts(plain));
    await store.upsertOutcomes('j', 'tv', given.map((o) => ({ ...o, round: 1 })));
    const stored = await store.page('j', -1);
    expect(texts(stored)).toEqual(texts(given));
    expect(stored.every((o) => o.round === 1)).toBe(true);
    expect(stored.at(-1)).toMatchObject({ costUsd: 1e-7, tokensIn: 2 ** 40 });
  });

  it('closes retryable items as failed with a note, and finds cached answers by request key', async () => {
    const store = await open();
    await store.upsertOutcomes('j', 'tv', [
      outcome({ seq: 0, requestKey: 'k0' }),
      outcome({ seq: 1, requestKey: 'k1', state: 'failed_retryable', reason: 'expired', message: 'batch expired', output: undefined }),
    ]);
    expect(await store.closeRetryable('j', 'retries exhausted')).toBe(1);
    const [, second] = await (async () => { const all: ItemOutcome[] = []; for await (const o of store.iterate('j')) all.push(o); return all; })();
    expect(second).toMatchObject({ state: 'failed', reason: 'expired', message: 'retries exhausted: batch expired' });
    expect(await store.hasAnswersFor('tv')).toBe(false); // answers become reusable when the job finalizes
    await store.indexAnswers('j');
    expect(await store.hasAnswersFor('tv')).toBe(true);
    const cached = await store.findCached(['k0', 'k1']);
    expect([...cached.keys()]).toEqual(['k0']);
  });

  it('does not serve an answer that a later generation replaced', async () => {
    const store = await open();
    await store.upsertOutcomes('j', 'tv1', [outcome({ seq: 0, requestKey: 'old' })]);
    await store.indexAnswers('j');
    await store.upsertOutcomes('j', 'tv2', [outcome({ seq: 0, generation: 1, requestKey: 'new', output: { v: 2 } })]);
    expect((await store.findCached(['old'])).size).toBe(0);
    await store.indexAnswers('j');
    expect((await store.findCached(['new'])).get('new')?.output).toEqual({ v: 2 });
  });

  it('fences batch records: each submit attempt claims in turn, and only the current claim records', async () => {
    const store = await open();
    const first = await store.claimSubmit('job/g0/r0/s0', 'openai', 1000);
    const second = await store.claimSubmit('job/g0/r0/s0', 'openai', 2000);
    expect([first.claim, second.claim]).toEqual([1, 2]);
    expect(second.record.intentAtMs).toBe(1000);
    expect(await store.recordBatchInput('job/g0/r0/s0', 1, 'file-stale')).toBe(false);
    expect(await store.recordBatchInput('job/g0/r0/s0', 2, 'file-2')).toBe(true);
    expect(await store.recordBatchCreated('job/g0/r0/s0', 'batch_stale', 1)).toBeNull(); // the stale attempt loses
    expect(await store.recordBatchCreated('job/g0/r0/s0', 'batch_2', 2)).toBe('batch_2');
    expect(await store.recordBatchCreated('job/g0/r0/s0', 'batch_other', 2)).toBe('batch_2'); // never overwritten
    const after = await store.claimSubmit('job/g0/r0/s0', 'openai', 3000); // a record with a batch is not claimed again
    expect(after.record).toMatchObject({ batchId: 'batch_2', claim: 2, inputRef: 'file-2' });
  });

  it('closes a record: no claim, input or batch is taken after', async () => {
    const store = await open();
    await store.claimSubmit('job/g0/r0/s1', 'anthropic', 1000);
    expect(await store.closeSubmit('job/g0/r0/s1', 'anthropic', 5000)).toMatchObject({ claim: CLOSED_CLAIM, intentAtMs: 1000, batchId: null });
    expect((await store.claimSubmit('job/g0/r0/s1', 'anthropic', 6000)).claim).toBe(CLOSED_CLAIM);
    expect(await store.recordBatchCreated('job/g0/r0/s1', 'msgbatch_late', 1)).toBeNull();
    expect(await store.closeSubmit('job/g0/r0/s2', 'anthropic', 7000)).toMatchObject({ claim: CLOSED_CLAIM, intentAtMs: 7000 });
  });

  it('records strays once, lists them per job, and counts them as claimed', async () => {
    const store = await open();
    const stray = { batchId: 'b-x', shardAttemptId: 'job/g0/r0/s0', jobId: 'job', provider: 'openai', requests: 30, foundAtMs: 2000 };
    await store.recordStray(stray);
    await store.recordStray({ ...stray, foundAtMs: 9000 });
    await store.recordStray({ ...stray, batchId: 'b-y', jobId: 'other', shardAttemptId: 'other/g0/r0/s0', account: 'team-b' });
    expect(await store.strays('job')).toEqual([stray]);
    expect((await store.strays('other'))[0]).toMatchObject({ account: 'team-b' });
    await store.claimSubmit('job/g0/r0/s1', 'openai', 1500);
    await store.recordBatchCreated('job/g0/r0/s1', 'b-ok', 1);
    expect((await store.recordedBatchIds('openai', 1000)).sort()).toEqual(['b-ok', 'b-x', 'b-y']);
  });

  it('hands an account\'s create lease to one shard at a time; its own later attempts take it over', async () => {
    const store = await open();
    const holder = { account: 'anthropic/anthropic', shardAttemptId: 'job/g0/r0/s0', claim: 1, requests: 50 };
    expect(await store.takeCreateLease(holder, 1000)).toMatchObject({ ...holder, sinceMs: 1000, touchedMs: 1000 });
    expect(await store.takeCreateLease({ ...holder, shardAttemptId: 'job/g0/r0/s1' }, 2000)).toMatchObject({ shardAttemptId: 'job/g0/r0/s0', claim: 1 });
    expect(await store.takeCreateLease({ ...holder, claim: 3 }, 3000)).toMatchObject({ claim: 3, sinceMs: 1000, touchedMs: 3000 });
    expect(await store.takeCreateLease({ ...holder, claim: 2 }, 4000)).toMatchObject({ claim: 3 }); // a stale attempt cannot take it back
    expect(await store.createLeaseOf('job/g0/r0/s0')).toMatchObject({ claim: 3 });
    await store.releaseCreateLease('anthropic/anthropic', 'job/g0/r0/s0', 2); // not the holder's claim: kept
    expect(await store.createLeaseOf('job/g0/r0/s0')).toBeDefined();
    await store.releaseCreateLease('anthropic/anthropic', 'job/g0/r0/s0', 3);
    expect(await store.takeCreateLease({ ...holder, shardAttemptId: 'job/g0/r0/s1' }, 5000)).toMatchObject({ shardAttemptId: 'job/g0/r0/s1', sinceMs: 5000 });
  });

  it('keeps the model that produced each item, and counts by model and tier (rows without one read as null)', async () => {
    const store = await open();
    await store.upsertOutcomes('j', 'tv-a', [
      outcome({ seq: 0, tokensIn: 10, tokensOut: 5, costUsd: 0.1 }),
      outcome({ seq: 1, tokensIn: 20, tokensOut: 5, costUsd: 0.2 }),
      outcome({ seq: 2, state: 'failed_retryable', reason: 'invalid_output', output: undefined, tokensIn: 7, tokensOut: 1 }),
    ], 'model-a');
    await store.upsertOutcomes('j', 'tv-old', [outcome({ seq: 3, tokensIn: 1, tokensOut: 1, costUsd: 0.01 })]); // written before models were kept
    // a reprocess with another model: item 1 again, and the retryable item settled on the realtime tier
    await store.upsertOutcomes('j', 'tv-b', [outcome({ seq: 1, generation: 1, tokensIn: 3, tokensOut: 3, costUsd: 0.03 })], 'model-b');
    await store.upsertOutcomes('j', 'tv-b', [outcome({ seq: 2, generation: 1, tier: 'realtime', tokensIn: 4, tokensOut: 4, costUsd: 0.04 })], 'model-b');
    await store.upsertOutcomes('j', 'tv-a', [outcome({ seq: 1, tokensIn: 99 })], 'model-a'); // a stale collect changes nothing
    const { byModelTier, costUsd } = await store.counts('j');
    expect(byModelTier.map((e) => ({ ...e, costUsd: Math.round(e.costUsd * 1e6) / 1e6 }))).toEqual([
      { model: null, tier: 'batch', items: 1, tokensIn: 1, tokensOut: 1, costUsd: 0.01 },
      { model: 'model-a', tier: 'batch', items: 1, tokensIn: 10, tokensOut: 5, costUsd: 0.1 },
      { model: 'model-b', tier: 'batch', items: 1, tokensIn: 3, tokensOut: 3, costUsd: 0.03 },
      { model: 'model-b', tier: 'realtime', items: 1, tokensIn: 4, tokensOut: 4, costUsd: 0.04 },
    ]);
    expect(costUsd).toBeCloseTo(0.18, 9);
  });

  it('lists its jobs, counts a job\'s rows per table and deletes them all, leaving every other job as it was', async () => {
    const store = await open();
    const before = Date.now();
    // 'a_1' beside 'a_1x' and 'aa1': a job id's characters are not patterns, nor is its id a prefix of another's
    for (const jobId of ['a_1', 'a_1x', 'aa1']) {
      await store.upsertJob({ jobId, generation: 0, total: 2, spec: {} as never });
      await store.upsertOutcomes(jobId, 'tv', [outcome({ seq: 0, requestKey: `${jobId}-k0` }), outcome({ seq: 1, requestKey: `${jobId}-k1` })], 'm');
      await store.indexAnswers(jobId);
      const claim = await store.claimSubmit(`${jobId}/g0/r0/s0`, 'anthropic', 1000);
      await store.recordBatchCreated(`${jobId}/g0/r0/s0`, `b-${jobId}`, claim.claim);
      await store.recordStray({ batchId: `stray-${jobId}`, shardAttemptId: `${jobId}/g0/r0/s0`, jobId, provider: 'anthropic', requests: 2, foundAtMs: 1 });
    }
    await store.takeCreateLease({ account: 'anthropic/a', shardAttemptId: 'a_1/g0/r0/s1', claim: 1, requests: 2 }, 1000);
    const listed = await store.listJobs();
    expect(listed.map((j) => j.jobId)).toEqual(['a_1', 'a_1x', 'aa1']);
    for (const job of listed) expect(job.updatedAtMs).toBeGreaterThanOrEqual(before);
    for (const job of listed) expect(job.updatedAtMs).toBeLessThanOrEqual(Date.now());
    const expected = { answers: 2, items: 2, stray_batches: 1, batch_records: 1, create_leases: 1, jobs: 1 };
    expect(await store.jobRows('a_1')).toEqual(expected);
    expect(await store.deleteJob('a_1')).toEqual(expected);
    expect(await store.jobRows('a_1')).toEqual({ answers: 0, items: 0, stray_batches: 0, batch_records: 0, create_leases: 0, jobs: 0 });
    expect(await store.deleteJob('a_1')).toEqual({ answers: 0, items: 0, stray_batches: 0, batch_records: 0, create_leases: 0, jobs: 0 });
    expect((await store.listJobs()).map((j) => j.jobId)).toEqual(['a_1x', 'aa1']);
    expect(await store.getJob('a_1')).toBeUndefined();
    expect((await store.findCached(['a_1-k0', 'a_1x-k0', 'aa1-k1'])).size).toBe(2);
    for (const jobId of ['a_1x', 'aa1']) {
      expect(await store.jobRows(jobId)).toEqual({ ...expected, create_leases: 0 });
      expect((await store.counts(jobId)).byState.succeeded).toBe(2);
      expect(await store.getBatchRecord(`${jobId}/g0/r0/s0`)).toMatchObject({ batchId: `b-${jobId}` });
    }
    expect(await store.recordedBatchIds('anthropic', 0)).toEqual(expect.not.arrayContaining(['b-a_1', 'stray-a_1']));
  });

  it('keeps a job\'s dataset identity when later upserts leave it out', async () => {
    const store = await open();
    const spec = {} as never;
    await store.upsertJob({ jobId: 'j', generation: 0, total: -1, spec, dataset: { bytes: 10, sha256: 'ab' } });
    await store.upsertJob({ jobId: 'j', generation: 0, total: 5, spec });
    expect(await store.getJob('j')).toMatchObject({ total: 5, dataset: { bytes: 10, sha256: 'ab' } });
  });

  });
}
