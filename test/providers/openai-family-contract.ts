import type { BatchProvider } from '../../src/providers/batch-provider';
import { METADATA_JOB, METADATA_SHARD } from '../../src/providers/openai/openai-batch-provider';
import { customIdOf } from '../../src/spec/ids';
import {
  download,
  kinds,
  rejectsWith,
  scenario,
  startRig,
  ticketValidator,
  waitFor,
  writeShard,
  type ContractRig,
} from './contract-fixtures';

/** Where a host serves the OpenAI API, as endpoint-fault path patterns. */
export interface OpenAiFamilyPaths {
  batches: string;
  files: string;
  chat: string;
}

const MODEL = 'gpt-4o-mini';
const CHAT = '/v1/chat/completions' as const;

/**
 * The contract every OpenAI-style adapter (OpenAI, Azure OpenAI, compatible hosts) must keep against the
 * emulator: every batch status, every scripted fault, synchronous calls and Retry-After. Registered in each
 * adapter's own contract test file.
 */
export function openAiFamilyContract(name: 'openai' | 'azure-openai' | 'openai-compatible', paths: OpenAiFamilyPaths): { rig: () => ContractRig } {
  let rig: ContractRig;
  let provider: BatchProvider;
  beforeAll(async () => {
    rig = await startRig(name);
    provider = rig.provider;
  });
  afterAll(() => rig?.stop());
  const shard = (count: number, extra: Partial<Parameters<typeof writeShard>[1]> = {}) => writeShard(rig, { count, model: MODEL, endpoint: CHAT, schema: true, ...extra });

  it('walks validating -> in_progress -> finalizing -> completed and downloads one valid answer per request', async () => {
    rig.emulator.setScenario(scenario({ clock: { speed: 1_000 }, timing: { validatingSeconds: 400, inProgressSeconds: 400, finalizingSeconds: 400 } }));
    const input = shard(6);
    const { batchId } = await provider.submit(input);
    const { status, phases } = await waitFor(provider, batchId);
    expect(phases).toEqual(['validating', 'in_progress', 'finalizing', 'completed']);
    expect(status).toMatchObject({ batchId, counts: { total: 6, completed: 6, failed: 0 }, errors: [] });
    // the emulator compresses the 24 h window like every duration (1000x: 86.4 s), in whole seconds on both ends
    expect(Math.abs(status.expiresAtMs! - status.createdAtMs! - 86_400)).toBeLessThanOrEqual(1_000);
    const { output, errors } = await download(rig, status);
    expect(errors).toEqual([]);
    expect(output.map((r) => r.customId).sort()).toEqual([...input.customIds].sort());
    for (const result of output) {
      if (!result.ok) throw new Error(`unexpected error ${JSON.stringify(result)}`);
      const answer = provider.extractAnswer(result.body, CHAT);
      expect(ticketValidator.validate(answer)).toMatchObject({ ok: true });
      expect(answer.tokensIn).toBeGreaterThan(0);
      expect(answer.tokensOut).toBeGreaterThan(0);
    }
    const created = rig.emulator.inspect().batches.openai.find((b) => b.id === batchId);
    expect(created?.metadata).toEqual({ [METADATA_JOB]: 'contract-job', [METADATA_SHARD]: input.shardAttemptId });
  });

  it('reports a batch that failed validation, with the provider errors and their input lines', async () => {
    rig.emulator.setScenario(scenario({ batchFaults: [{ kind: 'fail_validation', code: 'invalid_request', message: 'scripted', count: 1 }] }));
    const scripted = await waitFor(provider, (await provider.submit(shard(2))).batchId);
    expect(scripted.status.phase).toBe('failed');
    expect(scripted.status.errors).toEqual([expect.objectContaining({ code: 'invalid_request', message: 'scripted' })]);
    const duplicate = shard(3, { customIds: (seq) => customIdOf(Math.min(seq, 1), 0, 0) });
    const real = await waitFor(provider, (await provider.submit(duplicate)).batchId);
    expect(real.status.phase).toBe('failed');
    expect(real.status.errors).toContainEqual(expect.objectContaining({ code: 'duplicate_custom_id', line: 3 }));
  });

  it('expires with partial results: finished answers kept, the rest `expired`', async () => {
    rig.emulator.setScenario(scenario({ batchFaults: [{ kind: 'expire', atFraction: 0.5 }], timing: { completionWindowSeconds: 1_200 } }));
    const { status } = await waitFor(provider, (await provider.submit(shard(8))).batchId);
    expect(status.phase).toBe('expired');
    const { output, errors } = await download(rig, status);
    expect(kinds(output)).toEqual({ ok: 4 });
    expect(kinds(errors)).toEqual({ expired: 4 });
    expect(errors[0]).toMatchObject({ ok: false, error: { kind: 'expired', code: 'batch_expired' } });
  });

  it('cancels slowly: cancelling, then cancelled with the partial results', async () => {
    rig.emulator.setScenario(scenario({ clock: { speed: 10_000 }, timing: { inProgressSeconds: 20_000, cancellingSeconds: 2_000 } }));
    const { batchId } = await provider.submit(shard(10));
    await waitFor(provider, batchId, (s) => s.phase === 'in_progress' && s.counts.completed > 0);
    await provider.cancel(batchId);
    const { status, phases } = await waitFor(provider, batchId);
    expect(phases).toEqual(['cancelling', 'cancelled']);
    const { output } = await download(rig, status);
    expect(output.length).toBeGreaterThan(0);
    expect(output.length).toBeLessThan(10);
    expect(output.every((r) => r.ok)).toBe(true);
  });

  it('classifies per-request faults: 400, 500 and 429 in the error file, only answers in the output file', async () => {
    rig.emulator.setScenario(scenario({ seed: 'contract', requestFaults: { invalidRequestRate: 0.25, serverErrorRate: 0.25, rateLimitRate: 0.25 } }));
    const { status } = await waitFor(provider, (await provider.submit(shard(32))).batchId);
    expect(status.phase).toBe('completed');
    const { output, errors } = await download(rig, status);
    const all = [...output, ...errors];
    expect(all).toHaveLength(32);
    const counts = kinds(all);
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.invalid_request).toBeGreaterThan(0);
    expect(counts.server_error).toBeGreaterThan(0);
    expect(counts.rate_limited).toBeGreaterThan(0);
    expect(output.every((r) => r.ok)).toBe(true);
    expect(errors.filter((r) => !r.ok && r.error.kind === 'invalid_request').every((r) => !r.ok && r.error.status === 400)).toBe(true);
    expect(errors.find((r) => !r.ok && r.error.kind === 'server_error')).toMatchObject({ error: { status: 500 } });
    expect(errors.find((r) => !r.ok && r.error.kind === 'rate_limited')).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
  });

  it('hands broken schema answers over as answers that then fail validation', async () => {
    rig.emulator.setScenario(scenario({ requestFaults: { brokenSchemaRate: 1 } }));
    const { status } = await waitFor(provider, (await provider.submit(shard(4))).batchId);
    const { output } = await download(rig, status);
    expect(kinds(output)).toEqual({ ok: 4 });
    for (const result of output) {
      const answer = provider.extractAnswer(result.ok ? result.body : undefined, CHAT);
      expect(ticketValidator.validate(answer).ok).toBe(false);
    }
  });

  it('finds the batch of a lost create response by its metadata tag (reconcile)', async () => {
    rig.emulator.setScenario(scenario({ createFaults: [{ response: 'status_500', count: 1 }] }));
    const intentAt = Date.now();
    const lost = shard(3);
    const error = await rejectsWith(provider.submit(lost), 'server_error');
    expect(error.details.status).toBe(500);
    const found = await provider.findBatches(lost.shardAttemptId, intentAt, { requestCount: 3 });
    const tagged = rig.emulator.inspect().batches.openai.filter((b) => b.metadata?.[METADATA_SHARD] === lost.shardAttemptId);
    expect(tagged).toHaveLength(1);
    expect(found).toEqual([{ batchId: tagged[0]!.id, createdAtMs: expect.any(Number), inputRef: expect.stringMatching(/^file/) }]);
    expect(await provider.findBatches('contract-job/g0/r0/never-submitted', intentAt, { requestCount: 3 })).toEqual([]);

    rig.emulator.setScenario(scenario({ createFaults: [{ response: 'close', count: 1 }] }));
    const dropped = shard(2);
    await rejectsWith(provider.submit(dropped), 'network');
    expect(await provider.findBatches(dropped.shardAttemptId, intentAt, { requestCount: 2 })).toEqual([expect.objectContaining({ batchId: expect.stringMatching(/^batch_/) })]);
  });

  it('answers not_found (retryable) while a new batch is not visible yet', async () => {
    rig.emulator.setScenario(scenario({ retrieveNotFoundSeconds: 10_000_000 }));
    const { batchId } = await provider.submit(shard(1));
    const error = await rejectsWith(provider.retrieve(batchId), 'not_found');
    expect(error.retryable).toBe(true);
  });

  it('turns an enqueued-token quota refusal into quota_exceeded (400 and 429), or a failed batch', async () => {
    rig.emulator.setScenario(scenario({ quotas: { openaiEnqueuedTokens: { [MODEL]: 10 }, openaiOnExceeded: 'reject_400' } }));
    const refused = await rejectsWith(provider.submit(shard(2)), 'quota_exceeded');
    expect(refused.details).toMatchObject({ status: 400, code: 'token_limit_exceeded' });
    rig.emulator.setScenario(scenario({ quotas: { openaiEnqueuedTokens: { [MODEL]: 10 }, openaiOnExceeded: 'reject_429' } }));
    const limited = await rejectsWith(provider.submit(shard(2)), 'quota_exceeded');
    expect(limited.details).toMatchObject({ status: 429, retryAfterMs: 1_000 });
    rig.emulator.setScenario(scenario({ quotas: { openaiEnqueuedTokens: { [MODEL]: 10 }, openaiOnExceeded: 'fail_batch' } }));
    const { status } = await waitFor(provider, (await provider.submit(shard(2))).batchId);
    expect(status.phase).toBe('failed');
    expect(status.errors[0]).toMatchObject({ code: 'token_limit_exceeded' });
    // no credit left is not a full queue: waiting does not clear it, so it is not retried
    rig.emulator.setScenario(scenario({ endpointFaults: [{ method: 'POST', path: paths.batches, status: 429, code: 'insufficient_quota', count: 1 }] }));
    const broke = await rejectsWith(provider.submit(shard(2)), 'auth');
    expect(broke.retryable).toBe(false);
    expect(broke.details).toMatchObject({ status: 429, code: 'insufficient_quota' });
  });

  it('maps endpoint faults: 500 -> server_error, 429 -> rate_limited with Retry-After, a hang -> timeout', async () => {
    const { batchId } = await provider.submit(shard(1));
    rig.emulator.setScenario(scenario({ endpointFaults: [{ method: 'GET', path: `${paths.batches}/*`, status: 500, count: 1 }] }));
    expect((await rejectsWith(provider.retrieve(batchId), 'server_error')).details.status).toBe(500);
    rig.emulator.setScenario(scenario({ endpointFaults: [{ method: 'GET', path: `${paths.batches}/*`, status: 429, retryAfterSeconds: 2, count: 1 }] }));
    expect((await rejectsWith(provider.retrieve(batchId), 'rate_limited')).details).toMatchObject({ status: 429, retryAfterMs: 2_000 });
    rig.emulator.setScenario(scenario({ endpointFaults: [{ method: 'POST', path: paths.files, action: 'hang', count: 1 }] }));
    const started = Date.now();
    await rejectsWith(provider.submit(shard(1)), 'timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
    rig.emulator.setScenario(scenario());
    expect((await provider.retrieve(batchId)).batchId).toBe(batchId);
  });

  it('sends synchronous requests: answers, per-item refusals, and 429 with Retry-After', async () => {
    rig.emulator.setScenario(scenario());
    const body = provider.buildBody({ messages: [{ role: 'user', content: 'My invoice was charged twice' }] }, { model: MODEL, endpoint: CHAT, params: {}, outputSchema: { name: 'ticket', schema: {} } });
    const answered = await provider.sendSync({ customId: 'sync-1', body, endpoint: CHAT, tier: 'standard' });
    expect(answered).toMatchObject({ customId: 'sync-1', ok: true });
    expect(provider.extractAnswer(answered.ok ? answered.body : undefined, CHAT).tokensIn).toBeGreaterThan(0);
    const refused = await provider.sendSync({ customId: 'sync-2', body: { model: MODEL }, endpoint: CHAT, tier: 'standard' });
    expect(refused).toMatchObject({ ok: false, error: { kind: 'invalid_request', status: 400 } });
    rig.emulator.setScenario(scenario({ endpointFaults: [{ method: 'POST', path: paths.chat, status: 429, retryAfterSeconds: 3, count: 1 }] }));
    const limited = await rejectsWith(provider.sendSync({ customId: 'sync-3', body, endpoint: CHAT, tier: 'standard' }), 'rate_limited');
    expect(limited.details.retryAfterMs).toBe(3_000);
    rig.emulator.setScenario(scenario({ endpointFaults: [{ method: 'POST', path: paths.chat, status: 503, count: 1 }] }));
    await rejectsWith(provider.sendSync({ customId: 'sync-4', body, endpoint: CHAT, tier: 'standard' }), 'server_error');
  });

  it('reads back the shard tag of a batch through the registry (webhooks find the waiting shard this way)', async () => {
    rig.emulator.setScenario(scenario());
    const input = shard(1);
    const { batchId } = await provider.submit(input);
    expect(await rig.registry.shardOfBatch(name, batchId)).toBe(input.shardAttemptId);
    expect(await rig.registry.shardOfBatch(name, 'batch_unknown')).toBeUndefined();
  });

  it('cancelling a batch that already ended is a no-op (regression: a 409 used to throw server_error)', async () => {
    rig.emulator.setScenario(scenario());
    const { batchId } = await provider.submit(shard(1));
    await waitFor(provider, batchId);
    await expect(provider.cancel(batchId)).resolves.toBeUndefined();
  });

  it('a sync call aborted by its signal is retryable, not a permanent invalid_request (regression)', async () => {
    rig.emulator.setScenario(scenario({ sync: { latencyMs: 300 } }));
    const aborted = new AbortController();
    setTimeout(() => aborted.abort(), 30);
    const body = { model: MODEL, messages: [{ role: 'user', content: 'hello' }] };
    const outcome = await provider.sendSync({ customId: 'abort-1', body, endpoint: CHAT, tier: 'standard', signal: aborted.signal }).catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as { retryable?: boolean }).retryable).toBe(true);
  });

  return { rig: () => rig };
}
