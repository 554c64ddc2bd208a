import path from 'node:path';
import OpenAI from 'openai';
import { STALE_LEASE_MS, CreateSlotBusyError } from '../../src/providers/create-lease';
import { submitExactlyOnce, SubmitFencedError, type SubmitDeps } from '../../src/providers/exactly-once-submit';
import { closeShardSubmit, sweepStrays, type StrayContext } from '../../src/providers/stray-batches';
import { SqliteResultStore } from '../../src/results/sqlite-result-store';
import { rejectsWith, scenario, startRig, writeShard, type ContractRig } from './contract-fixtures';

/**
 * The exactly-once protocol (src/providers/exactly-once-submit.ts) against the emulator over HTTP and a real
 * SQLite store: stale attempts (a paused worker, a timed-out attempt still running) never leave a second
 * running batch, and lost create responses are reconciled exactly, with and without batch metadata.
 */

const CHAT = '/v1/chat/completions' as const;
const MESSAGES = '/v1/messages' as const;

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => { throw new Error('expected the submit to fail'); },
    (err: Error) => err,
  );
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('exactly-once submit: OpenAI-style batches (tagged)', () => {
  let rig: ContractRig;
  let store: SqliteResultStore;
  let files: OpenAI;
  beforeAll(async () => {
    rig = await startRig('openai', 10_000);
    store = new SqliteResultStore(path.join(rig.dir, 'results.sqlite'));
    files = new OpenAI({ apiKey: 'test', baseURL: rig.emulator.openaiBaseURL, maxRetries: 0 });
  });
  afterAll(async () => {
    await store?.close();
    await rig?.stop();
  });
  const shard = (count: number) => writeShard(rig, { count, model: 'gpt-4o-mini', endpoint: CHAT, schema: true });
  const deps = (): SubmitDeps => ({ store, provider: rig.provider });
  const tagged = (shardAttemptId: string) => rig.emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_shard === shardAttemptId);
  /** Uploaded inputs at the provider (output files come and go as batches end). */
  const fileIds = async () => (await files.files.list()).data.filter((f) => f.purpose === 'batch').map((f) => f.id);

  it('an attempt paused during its upload stops at its fence and deletes its upload; the later attempt creates the one batch', async () => {
    rig.emulator.setScenario(scenario({ clock: { speed: 100 }, endpointFaults: [{ method: 'POST', path: '/v1/files', action: 'delay', delayMs: 1_500, count: 1 }] }));
    const input = shard(5);
    const stale = failure(submitExactlyOnce(input, deps()));
    await until('the stale upload to be under way', () => rig.log.some((l) => l === 'fault delay POST /v1/files'));
    const current = await submitExactlyOnce(input, deps());
    expect(current.via).toBe('created');
    expect(await stale).toBeInstanceOf(SubmitFencedError);
    expect(tagged(input.shardAttemptId).map((b) => b.id)).toEqual([current.batchId]);
    const record = await store.getBatchRecord(input.shardAttemptId);
    expect(record).toMatchObject({ batchId: current.batchId, claim: 2 });
    expect(await fileIds()).toEqual([record!.inputRef]); // the stale upload was deleted
  });

  it('an attempt paused between its claim check and its create (taken over meanwhile) never sends the create', async () => {
    rig.emulator.setScenario(scenario({}));
    const input = shard(4);
    let clock = Date.now();
    // as a worker frozen right after step 5's check: time passes, and a later attempt claims the shard
    const paused = Object.create(rig.provider) as typeof rig.provider;
    paused.submit = (request, hooks = {}) =>
      rig.provider.submit(request, {
        ...hooks,
        beforeCreate: async () => {
          await hooks.beforeCreate?.();
          clock += 60_000;
          await store.claimSubmit(input.shardAttemptId, rig.provider.name, clock);
        },
      });
    const stale = await failure(submitExactlyOnce(input, { store, provider: paused, now: () => clock }));
    expect(stale).toBeInstanceOf(SubmitFencedError);
    expect(tagged(input.shardAttemptId)).toEqual([]); // the create never left
    const current = await submitExactlyOnce(input, deps());
    expect(tagged(input.shardAttemptId).map((b) => b.id)).toEqual([current.batchId]);
    expect(await fileIds()).toContain((await store.getBatchRecord(input.shardAttemptId))!.inputRef);
  });

  it('a stale create still in flight when the later attempt starts fails: the later attempt deleted its input first', async () => {
    rig.emulator.setScenario(scenario({ clock: { speed: 100 }, endpointFaults: [{ method: 'POST', path: '/v1/batches', action: 'delay', delayMs: 1_500, count: 1 }] }));
    const input = shard(6);
    const stale = failure(submitExactlyOnce(input, deps()));
    await until('the stale create to be under way', () => rig.log.some((l) => l === 'fault delay POST /v1/batches'));
    const current = await submitExactlyOnce(input, deps());
    expect(await stale).toMatchObject({ kind: 'invalid_request' }); // its input file no longer exists
    expect(tagged(input.shardAttemptId).map((b) => b.id)).toEqual([current.batchId]);
    expect((await store.getBatchRecord(input.shardAttemptId))!.batchId).toBe(current.batchId);
  });

  it('a lost create response is adopted by the next attempt (one batch), and extra tagged batches are strays', async () => {
    rig.emulator.setScenario(scenario({ createFaults: [{ response: 'status_500', count: 1 }] }));
    const input = shard(3);
    await rejectsWith(submitExactlyOnce(input, deps()), 'server_error');
    const extra = await rig.provider.submit(input); // as if a stale attempt had created one too
    const again = await submitExactlyOnce(input, deps());
    expect(again.via).toBe('reconciled');
    const batches = tagged(input.shardAttemptId);
    expect(batches.map((b) => b.id)).toContain(again.batchId);
    expect(batches.find((b) => b.id === extra.batchId)!.status).toMatch(/cancel/);
    expect(again.batchId).not.toBe(extra.batchId); // the oldest is adopted
  });

  it('sweeps a stray that a stale attempt created and never cancelled (it died), once the shard collects', async () => {
    rig.emulator.setScenario(scenario());
    const input = shard(4);
    await store.claimSubmit(input.shardAttemptId, 'openai', Date.now()); // an earlier attempt claimed, then went quiet
    const current = await submitExactlyOnce(input, deps());
    const orphan = await rig.provider.submit(input); // its create, landing late; it died before recording
    const ctx: StrayContext = { store, provider: rig.provider, jobId: 'contract-job', shardAttemptId: input.shardAttemptId, requests: 4, now: Date.now };
    await sweepStrays(await store.getBatchRecord(input.shardAttemptId), ctx);
    expect(tagged(input.shardAttemptId).find((b) => b.id === orphan.batchId)!.status).toMatch(/cancel/);
    expect(tagged(input.shardAttemptId).find((b) => b.id === current.batchId)!.status).not.toMatch(/cancel/);
    expect((await store.strays('contract-job')).map((s) => s.batchId)).toContain(orphan.batchId);
  });

  it('the upload of an attempt killed before its create is deleted by the next attempt (nothing stays at the provider)', async () => {
    rig.emulator.setScenario(scenario());
    const input = shard(3);
    const { claim } = await store.claimSubmit(input.shardAttemptId, 'openai', Date.now());
    const orphan = await files.files.create({ file: await OpenAI.toFile(Buffer.from('{}\n'), 'orphan.jsonl'), purpose: 'batch' });
    expect(await store.recordBatchInput(input.shardAttemptId, claim, orphan.id)).toBe(true); // then the worker died
    const next = await submitExactlyOnce(input, deps());
    expect(next.via).toBe('created');
    expect(await fileIds()).not.toContain(orphan.id);
    expect((await store.getBatchRecord(input.shardAttemptId))!.inputRef).not.toBe(orphan.id);
  });

  it('a shard that stopped waiting closes its record: a stale attempt creates nothing afterwards', async () => {
    rig.emulator.setScenario(scenario());
    const input = shard(2);
    const ctx: StrayContext = { store, provider: rig.provider, jobId: 'contract-job', shardAttemptId: input.shardAttemptId, requests: 2, now: Date.now };
    await store.claimSubmit(input.shardAttemptId, 'openai', Date.now());
    await closeShardSubmit(ctx);
    expect(await failure(submitExactlyOnce(input, deps()))).toBeInstanceOf(SubmitFencedError);
    expect(tagged(input.shardAttemptId)).toEqual([]);
  });

  it('a cancelled attempt stops before its create and deletes its upload', async () => {
    rig.emulator.setScenario(scenario());
    const input = shard(2);
    const before = await fileIds();
    const aborted = new AbortController();
    aborted.abort();
    expect(await failure(submitExactlyOnce(input, { ...deps(), signal: aborted.signal }))).toBeInstanceOf(SubmitFencedError);
    expect(tagged(input.shardAttemptId)).toEqual([]);
    expect(await fileIds()).toEqual(before);
  });
});

describe('exactly-once submit: Anthropic batches (no metadata: one create in doubt per account)', () => {
  let rig: ContractRig;
  let store: SqliteResultStore;
  beforeAll(async () => {
    rig = await startRig('anthropic', 10_000);
    store = new SqliteResultStore(path.join(rig.dir, 'results.sqlite'));
  });
  afterAll(async () => {
    await store?.close();
    await rig?.stop();
  });
  const shard = (count: number) => writeShard(rig, { count, model: 'claude-haiku-4-5', endpoint: MESSAGES, schema: true });
  const deps = (over: Partial<SubmitDeps> = {}): SubmitDeps => ({ store, provider: rig.provider, ...over });
  const sized = (count: number) => rig.emulator.inspect().batches.anthropic.filter((b) => Object.values(b.request_counts).reduce((n, c) => n + c, 0) === count);

  it('two same-size shards whose create responses are both lost (dropped connection, 500): one batch each', async () => {
    rig.emulator.setScenario(scenario({ createFaults: [{ response: 'close', provider: 'anthropic', count: 1 }, { response: 'status_500', provider: 'anthropic', count: 1 }] }));
    const [a, b] = [shard(11), shard(11)];
    await rejectsWith(submitExactlyOnce(a, deps()), 'network'); // created, response lost: a holds the account's lease
    expect(await failure(submitExactlyOnce(b, deps()))).toBeInstanceOf(CreateSlotBusyError); // b waits instead of creating
    const first = await submitExactlyOnce(a, deps());
    expect(first.via).toBe('reconciled');
    await rejectsWith(submitExactlyOnce(b, deps()), 'server_error'); // created, response lost again
    const second = await submitExactlyOnce(b, deps());
    expect(second.via).toBe('reconciled');
    expect(new Set([first.batchId, second.batchId]).size).toBe(2);
    expect(sized(11).map((x) => x.id).sort()).toEqual([first.batchId, second.batchId].sort());
    expect(await store.createLeaseOf(a.shardAttemptId)).toBeUndefined();
    expect(await store.createLeaseOf(b.shardAttemptId)).toBeUndefined();
  });

  it('a stale create that lands after the later attempt recorded its batch is cancelled at once and counted as a stray', async () => {
    rig.emulator.setScenario(scenario({ clock: { speed: 100 }, endpointFaults: [{ method: 'POST', path: '/v1/messages/batches', action: 'delay', delayMs: 1_500, count: 1 }] }));
    const input = shard(6);
    const stale = failure(submitExactlyOnce(input, deps()));
    await until('the stale create to be under way', () => rig.log.some((l) => l === 'fault delay POST /v1/messages/batches'));
    const current = await submitExactlyOnce(input, deps()); // takes the lease over: the same shard, a later claim
    expect(current.via).toBe('created');
    expect(await stale).toBeInstanceOf(SubmitFencedError);
    const batches = sized(6);
    expect(batches).toHaveLength(2);
    const stray = batches.find((b) => b.id !== current.batchId)!;
    expect(['canceling', 'ended']).toContain(stray.status);
    expect(stray.request_counts.canceled! + stray.request_counts.processing!).toBeGreaterThan(0);
    expect((await store.getBatchRecord(input.shardAttemptId))!.batchId).toBe(current.batchId); // never overwritten
    expect(await store.strays('contract-job')).toEqual([expect.objectContaining({ batchId: stray.id, shardAttemptId: input.shardAttemptId, requests: 6 })]);
    expect(await store.createLeaseOf(input.shardAttemptId)).toBeUndefined();
  });

  it('a refused create frees the lease at once; a lease whose holder never came back is settled by the next shard', async () => {
    rig.emulator.setScenario(scenario({ endpointFaults: [{ method: 'POST', path: '/v1/messages/batches', status: 400, count: 1 }] }));
    const refused = shard(7);
    await rejectsWith(submitExactlyOnce(refused, deps()), 'invalid_request');
    expect(await store.createLeaseOf(refused.shardAttemptId)).toBeUndefined();

    rig.emulator.setScenario(scenario({ createFaults: [{ response: 'close', provider: 'anthropic', count: 1 }] }));
    const abandoned = shard(8);
    await rejectsWith(submitExactlyOnce(abandoned, deps()), 'network'); // its job is terminated: no attempt comes back
    const next = shard(9);
    expect(await failure(submitExactlyOnce(next, deps()))).toBeInstanceOf(CreateSlotBusyError);
    const later = () => Date.now() + STALE_LEASE_MS + 60_000;
    const created = await submitExactlyOnce(next, deps({ now: later }));
    expect(created.via).toBe('created');
    const lost = sized(8);
    expect(lost).toHaveLength(1);
    expect((await store.getBatchRecord(abandoned.shardAttemptId))!.batchId).toBe(lost[0]!.id); // recorded for its holder
  });
});
