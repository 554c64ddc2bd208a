import path from 'node:path';
import { jsonSchemaOutputFormat } from '@anthropic-ai/sdk/helpers/json-schema';
import { submitExactlyOnce } from '../../src/providers/exactly-once-submit';
import { ProviderError } from '../../src/providers/provider-error';
import { SqliteResultStore } from '../../src/results/sqlite-result-store';
import { customIdOf } from '../../src/spec/ids';
import { TICKET_SCHEMA } from '../support/datasets';
import { TICKET_OUTPUT, download, kinds, rejectsWith, scenario, startRig, ticketValidator, waitFor, writeShard, type ContractRig } from './contract-fixtures';

const MODEL = 'claude-haiku-4-5';
const MESSAGES = '/v1/messages' as const;

describe('Anthropic adapter contract (emulator, no Temporal)', () => {
  let rig: ContractRig;
  beforeAll(async () => {
    rig = await startRig('anthropic');
  });
  afterAll(() => rig?.stop());
  const shard = (count: number, extra: Partial<Parameters<typeof writeShard>[1]> = {}) => writeShard(rig, { count, model: MODEL, endpoint: MESSAGES, schema: true, ...extra });
  const anthropicBatch = (id: string) => rig.emulator.inspect().batches.anthropic.find((b) => b.id === id);

  it('builds Messages params: system from system/developer messages, max_tokens, structured outputs for the schema', () => {
    const body = rig.provider.buildBody(
      { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'developer', content: 'JSON only.' }, { role: 'user', content: 'Hi' }] },
      { model: MODEL, endpoint: MESSAGES, params: { temperature: 0 }, outputSchema: { name: 'ticket', schema: { type: 'object' } } },
    );
    expect(body).toEqual({
      model: MODEL,
      temperature: 0,
      max_tokens: 1024,
      system: 'Be brief.\n\nJSON only.',
      messages: [{ role: 'user', content: 'Hi' }],
      output_config: { format: { type: 'json_schema', schema: { type: 'object', properties: {}, additionalProperties: false } } },
    });
    expect(rig.provider.buildBody({ input: 'Hi' }, { model: MODEL, endpoint: MESSAGES, params: { max_completion_tokens: 50 } })).toEqual({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] });
    const line = rig.provider.batchLine('i1-g0-r0', JSON.stringify(body), MESSAGES);
    expect(JSON.parse(line)).toEqual({ custom_id: 'i1-g0-r0', params: body });
    expect(rig.provider.parseBatchLine(line)).toEqual({ customId: 'i1-g0-r0', body });
    expect(() => rig.provider.batchLine('x'.repeat(65), '{}', MESSAGES)).toThrow(ProviderError);
    const repaired = rig.provider.withRepairHint(body, 'urgency must be <= 5', MESSAGES);
    expect((repaired.messages as unknown[]).at(-1)).toEqual({ role: 'user', content: expect.stringContaining('urgency must be <= 5') });
    expect(repaired.output_config).toEqual(body.output_config);
  });

  it('sends the schema as the official SDK would: bounds structured outputs refuse move into descriptions, next to the spec\'s output_config', () => {
    const body = rig.provider.buildBody({ input: 'Hi' }, { model: 'claude-sonnet-4-5-20250929', endpoint: MESSAGES, params: { output_config: { effort: 'low' } }, outputSchema: TICKET_OUTPUT });
    expect(body.output_config).toEqual({ effort: 'low', format: { type: 'json_schema', schema: jsonSchemaOutputFormat(TICKET_SCHEMA).schema } });
    expect(JSON.stringify(body.output_config)).toContain('{minimum: 1, maximum: 5}');
    expect(body).not.toHaveProperty('tools');
  });

  it('uses native structured outputs on the models Anthropic documents them for, a forced tool on the others', () => {
    const shape = (model: string, schema: Record<string, unknown> = { type: 'object' }) => Object.keys(rig.provider.buildBody({ input: 'Hi' }, { model, endpoint: MESSAGES, params: {}, outputSchema: { name: 'ticket', schema } }));
    const native = ['claude-haiku-4-5', 'claude-haiku-4-5-20251001', 'claude-sonnet-4-5', 'claude-opus-4-5-20251101', 'claude-opus-4-6', 'claude-sonnet-4-6', 'claude-opus-4-7', 'claude-opus-4-8', 'claude-mythos-preview', 'claude-opus-5', 'claude-sonnet-5', 'claude-fable-5', 'claude-mythos-5-1', 'claude-fable-5-2', 'claude-haiku-5-5', 'anthropic.claude-sonnet-4-5-20250929-v1:0'];
    const forced = ['claude-3-5-haiku-20241022', 'claude-3-7-sonnet-latest', 'claude-sonnet-4-20250514', 'claude-opus-4-0', 'claude-opus-4-1-20250805', 'some-proxy-model'];
    for (const model of native) expect({ model, keys: shape(model) }).toEqual({ model, keys: expect.arrayContaining(['output_config']) });
    for (const model of forced) expect({ model, keys: shape(model) }).toEqual({ model, keys: expect.arrayContaining(['tools', 'tool_choice']) });
    // a schema structured outputs cannot take goes the forced-tool way everywhere
    expect(shape(MODEL, { type: 'array', items: { type: 'string' } })).toEqual(expect.arrayContaining(['tools', 'tool_choice']));
    expect(shape(MODEL, { type: 'object', properties: { free: {} } })).toEqual(expect.arrayContaining(['tools', 'tool_choice']));
    const tool = rig.provider.buildBody({ input: 'Hi' }, { model: 'claude-opus-4-1', endpoint: MESSAGES, params: {}, outputSchema: TICKET_OUTPUT });
    expect(tool).toMatchObject({ tools: [{ name: 'ticket', input_schema: TICKET_SCHEMA }], tool_choice: { type: 'tool', name: 'ticket' } });
  });

  it('walks in_progress -> ended (completed) and downloads one valid structured answer per request', async () => {
    rig.emulator.setScenario(scenario({ clock: { speed: 1_000 }, timing: { inProgressSeconds: 600 } }));
    const input = shard(6);
    const { batchId } = await rig.provider.submit(input);
    const { status, phases } = await waitFor(rig.provider, batchId);
    expect(phases).toEqual(['in_progress', 'completed']);
    expect(status).toMatchObject({ batchId, counts: { total: 6, completed: 6, failed: 0 }, errors: [] });
    expect(status.expiresAtMs! - status.createdAtMs!).toBe(86_400); // the 24 h window compressed like every duration (1000x)
    const { output, errors, lines } = await download(rig, status);
    expect(errors).toEqual([]);
    expect(lines.every((line) => typeof line === 'object' && line !== null && 'custom_id' in line && 'result' in line)).toBe(true);
    expect(output.map((r) => r.customId).sort()).toEqual([...input.customIds].sort());
    for (const result of output) {
      expect(result).toMatchObject({ ok: true, body: { content: [{ type: 'text' }], stop_reason: 'end_turn' } });
      const answer = rig.provider.extractAnswer(result.ok ? result.body : undefined, MESSAGES);
      expect(typeof answer.output).toBe('string');
      expect(answer.output).toBe(answer.text);
      expect(ticketValidator.validate(answer)).toMatchObject({ ok: true, output: JSON.parse(answer.text!) });
      expect(answer.tokensIn).toBeGreaterThan(0);
    }
  });

  it('reads the forced tool\'s answers the same way on a model without structured outputs', async () => {
    rig.emulator.setScenario(scenario());
    const { status } = await waitFor(rig.provider, (await rig.provider.submit(shard(4, { model: 'claude-opus-4-1' }))).batchId);
    const { output } = await download(rig, status);
    expect(output).toHaveLength(4);
    for (const result of output) {
      expect(result).toMatchObject({ ok: true, body: { content: [{ type: 'tool_use', name: 'ticket' }], stop_reason: 'tool_use' } });
      const answer = rig.provider.extractAnswer(result.ok ? result.body : undefined, MESSAGES);
      expect(typeof answer.output).toBe('object');
      expect(JSON.parse(answer.text!)).toEqual(answer.output);
      expect(ticketValidator.validate(answer)).toMatchObject({ ok: true });
    }
  });

  it('gets answers on a model that refuses a forced tool (Claude Fable 5.1), where only structured outputs work', async () => {
    rig.emulator.setScenario(scenario());
    const { status } = await waitFor(rig.provider, (await rig.provider.submit(shard(3, { model: 'claude-fable-5-1' }))).batchId);
    const { output } = await download(rig, status);
    expect(kinds(output)).toEqual({ ok: 3 });
    for (const result of output) expect(ticketValidator.validate(rig.provider.extractAnswer(result.ok ? result.body : undefined, MESSAGES))).toMatchObject({ ok: true });
  });

  it('answers with text when no schema is asked', async () => {
    rig.emulator.setScenario(scenario());
    const { status } = await waitFor(rig.provider, (await rig.provider.submit(shard(2, { schema: false }))).batchId);
    const { output } = await download(rig, status);
    for (const result of output) {
      const answer = rig.provider.extractAnswer(result.ok ? result.body : undefined, MESSAGES);
      expect(typeof answer.output).toBe('string');
      expect(answer.output).toBe(answer.text);
      expect(answer.tokensOut).toBeGreaterThan(0);
    }
  });

  it('expires with partial results: ended with expired requests is `expired`', async () => {
    rig.emulator.setScenario(scenario({ batchFaults: [{ kind: 'expire', atFraction: 0.5, provider: 'anthropic' }], timing: { completionWindowSeconds: 1_200 } }));
    const { status } = await waitFor(rig.provider, (await rig.provider.submit(shard(8))).batchId);
    expect(status).toMatchObject({ phase: 'expired', counts: { total: 8, completed: 4, failed: 4 } });
    const { output } = await download(rig, status);
    expect(kinds(output)).toEqual({ ok: 4, expired: 4 });
  });

  it('cancels slowly: canceling, then ended (`cancelled`) with the rest canceled; cancelling again is harmless', async () => {
    rig.emulator.setScenario(scenario({ clock: { speed: 10_000 }, timing: { inProgressSeconds: 20_000, cancellingSeconds: 2_000 } }));
    const { batchId } = await rig.provider.submit(shard(10));
    // the API's request_counts stay at processing until the batch ends: the emulator's own view shows progress
    await waitFor(rig.provider, batchId, () => (anthropicBatch(batchId)?.request_counts.succeeded ?? 0) > 0);
    await rig.provider.cancel(batchId);
    const { status, phases } = await waitFor(rig.provider, batchId);
    expect(phases).toEqual(['cancelling', 'cancelled']);
    expect(anthropicBatch(batchId)?.status).toBe('ended');
    const { output } = await download(rig, status);
    const counts = kinds(output);
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.provider_cancelled).toBeGreaterThan(0);
    expect(counts.ok! + counts.provider_cancelled!).toBe(10);
    await expect(rig.provider.cancel(batchId)).resolves.toBeUndefined();
  });

  it('classifies errored results by error type', async () => {
    rig.emulator.setScenario(scenario({ seed: 'contract', requestFaults: { invalidRequestRate: 0.25, serverErrorRate: 0.25, rateLimitRate: 0.25 } }));
    const { status } = await waitFor(rig.provider, (await rig.provider.submit(shard(32))).batchId);
    expect(status.phase).toBe('completed');
    const { output } = await download(rig, status);
    expect(output).toHaveLength(32);
    const counts = kinds(output);
    expect(counts.ok).toBeGreaterThan(0);
    expect(counts.invalid_request).toBeGreaterThan(0);
    expect(counts.server_error).toBeGreaterThan(0);
    expect(counts.rate_limited).toBeGreaterThan(0);
    const codes = new Set(output.flatMap((r) => (r.ok ? [] : [`${r.error.kind}:${r.error.code}`])));
    expect([...codes].sort()).toEqual(['invalid_request:invalid_request_error', 'rate_limited:rate_limit_error', 'server_error:api_error']);
  });

  it('hands broken schema answers over as answers that then fail validation', async () => {
    rig.emulator.setScenario(scenario({ requestFaults: { brokenSchemaRate: 1 } }));
    const { status } = await waitFor(rig.provider, (await rig.provider.submit(shard(4))).batchId);
    const { output } = await download(rig, status);
    expect(kinds(output)).toEqual({ ok: 4 });
    for (const result of output) expect(ticketValidator.validate(rig.provider.extractAnswer(result.ok ? result.body : undefined, MESSAGES)).ok).toBe(false);
  });

  it('recovers a lost create response through submitExactlyOnce: reconcile finds the batch by request count', async () => {
    const store = new SqliteResultStore(path.join(rig.dir, 'results.sqlite'));
    try {
      for (const response of ['status_500', 'close'] as const) {
        rig.emulator.setScenario(scenario({ createFaults: [{ response, provider: 'anthropic', count: 1 }] }));
        const input = shard(response === 'close' ? 13 : 17);
        await rejectsWith(submitExactlyOnce(input, { store, provider: rig.provider }), response === 'close' ? 'network' : 'server_error');
        const again = await submitExactlyOnce(input, { store, provider: rig.provider });
        expect(again.via).toBe('reconciled');
        const same = rig.emulator.inspect().batches.anthropic.filter((b) => b.request_counts.processing! + b.request_counts.succeeded! === input.requestCount);
        expect(same.map((b) => b.id)).toEqual([again.batchId]);
      }
    } finally {
      await store.close();
    }
  });

  it('finds candidates by request count (no tag): every unclaimed batch of that size since a time, oldest first', async () => {
    rig.emulator.setScenario(scenario());
    const since = Date.now();
    const a = await rig.provider.submit(shard(19));
    const ids = async (claimed?: Set<string>, requestCount = 19) => (await rig.provider.findBatches('any', since, { requestCount, ...(claimed ? { claimedBatchIds: claimed } : {}) })).map((b) => b.batchId);
    expect(await ids()).toEqual([a.batchId]);
    const b = await rig.provider.submit(shard(19));
    expect(await ids()).toEqual([a.batchId, b.batchId]);
    expect(await ids(new Set([a.batchId]))).toEqual([b.batchId]);
    expect(await ids(undefined, 23)).toEqual([]);
  });

  it('answers not_found (retryable) right after a create', async () => {
    rig.emulator.setScenario(scenario({ retrieveNotFoundSeconds: 10_000_000 }));
    const { batchId } = await rig.provider.submit(shard(1));
    expect((await rejectsWith(rig.provider.retrieve(batchId), 'not_found')).retryable).toBe(true);
  });

  it('turns a full batch queue into quota_exceeded', async () => {
    rig.emulator.setScenario(scenario({ quotas: { anthropicProcessingRequests: 5 } }));
    const error = await rejectsWith(rig.provider.submit(shard(6)), 'quota_exceeded');
    expect(error.details).toMatchObject({ status: 429, code: 'rate_limit_error' });
  });

  it('refuses batches over the limits: before sending (adapter limits) and at the API (413)', async () => {
    rig.emulator.setScenario(scenario({ limits: { anthropicMaxRequestsPerBatch: 3 } }));
    const attempts = rig.emulator.inspect().createAttempts.length;
    const huge = { ...shard(1), requestCount: 100_001 };
    expect((await rejectsWith(rig.provider.submit(huge), 'invalid_request')).details.code).toBe('request_too_large');
    expect(rig.emulator.inspect().createAttempts).toHaveLength(attempts);
    const tooMany = await rejectsWith(rig.provider.submit(shard(4)), 'invalid_request');
    expect(tooMany.details).toMatchObject({ status: 413, code: 'request_too_large' });
    rig.emulator.setScenario(scenario());
    const duplicate = shard(2, { customIds: () => customIdOf(7, 0, 0) });
    expect((await rejectsWith(rig.provider.submit(duplicate), 'invalid_request')).details).toMatchObject({ status: 400, code: 'invalid_request_error' });
  });

  it('streams a large shard file as the create body', async () => {
    rig.emulator.setScenario(scenario());
    const input = shard(2_000, { schema: false });
    const { batchId } = await rig.provider.submit(input);
    expect(rig.emulator.inspect().submissions.byBatch[batchId]).toBe(2_000);
  });

  it('maps endpoint faults: 500 and 529 -> server_error, 429 -> rate_limited with Retry-After, a hang -> timeout', async () => {
    rig.emulator.setScenario(scenario());
    const { batchId } = await rig.provider.submit(shard(1));
    for (const status of [500, 529]) {
      rig.emulator.setScenario(scenario({ endpointFaults: [{ method: 'GET', path: '/v1/messages/batches/*', status, count: 1 }] }));
      expect((await rejectsWith(rig.provider.retrieve(batchId), 'server_error')).details.status).toBe(status);
    }
    rig.emulator.setScenario(scenario({ endpointFaults: [{ method: 'GET', path: '/v1/messages/batches/*', status: 429, retryAfterSeconds: 2, count: 1 }] }));
    expect((await rejectsWith(rig.provider.retrieve(batchId), 'rate_limited')).details).toMatchObject({ status: 429, retryAfterMs: 2_000 });
    rig.emulator.setScenario(scenario({ endpointFaults: [{ method: 'POST', path: '/v1/messages/batches', action: 'hang', count: 1 }] }));
    await rejectsWith(rig.provider.submit(shard(1)), 'timeout');
    rig.emulator.setScenario(scenario({ endpointFaults: [{ method: 'GET', path: '/v1/messages/batches', status: 503, count: 1 }] }));
    await rejectsWith(rig.provider.findBatches('any', Date.now(), { requestCount: 1 }), 'server_error');
  });

  it('sends synchronous Messages; flex does not exist on Anthropic', async () => {
    rig.emulator.setScenario(scenario());
    const body = rig.provider.buildBody({ messages: [{ role: 'user', content: 'I was charged twice for my invoice' }] }, { model: MODEL, endpoint: MESSAGES, params: {}, outputSchema: { name: 'ticket', schema: { type: 'object', properties: { category: { type: 'string' } } } } });
    const answered = await rig.provider.sendSync({ customId: 's1', body, endpoint: MESSAGES, tier: 'standard' });
    expect(answered).toMatchObject({ customId: 's1', ok: true });
    expect(JSON.parse(String(rig.provider.extractAnswer(answered.ok ? answered.body : undefined, MESSAGES).output))).toEqual({ category: expect.any(String) });
    expect(rig.emulator.inspect().syncRequests).toContainEqual(expect.objectContaining({ provider: 'anthropic', endpoint: MESSAGES, count: 1 }));
    // a repair round keeps structured outputs and is answered again
    const repaired = rig.provider.withRepairHint(body, 'output.category must be billing', MESSAGES);
    const again = await rig.provider.sendSync({ customId: 's1', body: repaired, endpoint: MESSAGES, tier: 'standard' });
    expect(JSON.parse(String(rig.provider.extractAnswer(again.ok ? again.body : undefined, MESSAGES).output))).toEqual({ category: expect.any(String) });
    const flex = await rejectsWith(rig.provider.sendSync({ customId: 's2', body, endpoint: MESSAGES, tier: 'flex' }), 'invalid_request');
    expect(flex.retryable).toBe(false);
    expect(rig.provider.capabilities.flex).toBe(false);
    const refused = await rig.provider.sendSync({ customId: 's3', body: { model: MODEL, messages: [] }, endpoint: MESSAGES, tier: 'standard' });
    expect(refused).toMatchObject({ ok: false, error: { kind: 'invalid_request', status: 400, code: 'invalid_request_error' } });
    rig.emulator.setScenario(scenario({ endpointFaults: [{ method: 'POST', path: '/v1/messages', status: 429, retryAfterSeconds: 3, count: 1 }] }));
    expect((await rejectsWith(rig.provider.sendSync({ customId: 's4', body, endpoint: MESSAGES, tier: 'standard' }), 'rate_limited')).details.retryAfterMs).toBe(3_000);
    rig.emulator.setScenario(scenario({ endpointFaults: [{ method: 'POST', path: '/v1/messages', status: 529, count: 1 }] }));
    expect((await rejectsWith(rig.provider.sendSync({ customId: 's5', body, endpoint: MESSAGES, tier: 'standard' }), 'server_error')).details.code).toBe('overloaded_error');
  });

  it('has no batch metadata: limits and capabilities as data, and no shard tag to read back', async () => {
    expect(rig.provider.limits).toMatchObject({ maxRequestsPerBatch: 100_000, maxBytesPerBatch: 256 * 1024 * 1024, resultRetentionDays: 29 });
    expect(rig.provider.capabilities).toMatchObject({ endpoints: [MESSAGES], batch: true, flex: false, realtime: true, batchMetadata: false });
    rig.emulator.setScenario(scenario());
    const { batchId } = await rig.provider.submit(shard(1));
    expect(await rig.registry.shardOfBatch('anthropic', batchId)).toBeUndefined();
  });
});
