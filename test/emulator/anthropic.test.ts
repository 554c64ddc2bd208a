import Anthropic from '@anthropic-ai/sdk';
import type { MessageBatch, MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import Ajv from 'ajv';
import type { EmulatorHandle, Scenario } from '../../src/emulator';
import { anthropicClient, withEmulator } from './emulator-fixtures';

const FAST: Scenario = { clock: { speed: 20_000 } };
const NO_FAULTS: Scenario = { requestFaults: {}, batchFaults: [], createFaults: [], endpointFaults: [], quotas: {}, retrieveNotFoundSeconds: 0, timing: {}, limits: {} };
const schema = {
  type: 'object' as const,
  properties: { label: { type: 'string', enum: ['spam', 'ham'] }, reason: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
  required: ['label', 'reason', 'confidence'],
};

function request(customId: string, text: string, structured = false): Anthropic.Messages.BatchCreateParams.Request {
  return {
    custom_id: customId,
    params: {
      model: 'claude-haiku-4-5',
      max_tokens: 200,
      messages: [{ role: 'user', content: text }],
      ...(structured ? { tools: [{ name: 'classify', input_schema: schema }], tool_choice: { type: 'tool', name: 'classify' } } : {}),
    },
  };
}

async function pollEnded(client: Anthropic, id: string, until: (b: MessageBatch) => boolean = (b) => b.processing_status === 'ended'): Promise<{ batch: MessageBatch; seen: string[] }> {
  const seen: string[] = [];
  const deadline = Date.now() + 20_000;
  for (;;) {
    const batch = await client.messages.batches.retrieve(id);
    if (seen[seen.length - 1] !== batch.processing_status) seen.push(batch.processing_status);
    if (until(batch)) return { batch, seen };
    if (Date.now() > deadline) throw new Error(`batch ${id} still ${batch.processing_status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function results(client: Anthropic, id: string): Promise<MessageBatchIndividualResponse[]> {
  const lines: MessageBatchIndividualResponse[] = [];
  for await (const line of await client.messages.batches.results(id)) lines.push(line);
  return lines;
}

describe('Anthropic messages and message batches', () => {
  let handle: EmulatorHandle;
  let client: Anthropic;
  beforeAll(async () => {
    handle = await withEmulator(FAST);
    client = anthropicClient(handle);
  });
  afterAll(() => handle.stop());
  afterEach(() => handle.setScenario(NO_FAULTS));

  it('answers messages synchronously: text, and a forced tool with input valid against its schema', async () => {
    const text = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, system: 'Be short.', messages: [{ role: 'user', content: 'Glaciers carve valleys slowly' }] });
    expect(text).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', content: [{ type: 'text' }] });
    expect(text.usage.input_tokens).toBeGreaterThan(0);
    const again = await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, system: 'Be short.', messages: [{ role: 'user', content: 'Glaciers carve valleys slowly' }] });
    expect(again.content).toEqual(text.content);
    const tool = await client.messages.create({ ...request('x', 'WIN a FREE cruise, this is spam', true).params });
    expect(tool.stop_reason).toBe('tool_use');
    const block = tool.content[0];
    expect(block?.type).toBe('tool_use');
    const input = block?.type === 'tool_use' ? block.input : undefined;
    expect(new Ajv().validate(schema, input)).toBe(true);
    expect(input).toMatchObject({ label: 'spam' });
    await expect(client.messages.create({ model: 'claude-haiku-4-5', messages: [] } as unknown as Anthropic.MessageCreateParamsNonStreaming))
      .rejects.toMatchObject({ status: 400, error: { type: 'error', error: { type: 'invalid_request_error' } } });
  });

  it('runs a batch to ended and streams results from results_url', async () => {
    const created = await client.messages.batches.create({ requests: Array.from({ length: 6 }, (_, i) => request(`req_${i}`, `message ${i} about ham sandwiches`, i % 2 === 0)) });
    expect(created).toMatchObject({ type: 'message_batch', processing_status: 'in_progress', results_url: null, request_counts: { processing: 6 } });
    expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(86_400_000 / 20_000); // 24 h, compressed
    const { batch } = await pollEnded(client, created.id);
    expect(batch.request_counts).toEqual({ processing: 0, succeeded: 6, errored: 0, canceled: 0, expired: 0 });
    expect(batch.ended_at).not.toBeNull();
    expect(batch.results_url).toBe(`${handle.url}/v1/messages/batches/${created.id}/results`);
    const lines = await results(client, created.id);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(['req_0', 'req_1', 'req_2', 'req_3', 'req_4', 'req_5']);
    for (const line of lines) {
      expect(line.result.type).toBe('succeeded');
      if (line.result.type === 'succeeded' && line.result.message.content[0]?.type === 'tool_use') {
        expect(new Ajv().validate(schema, line.result.message.content[0].input)).toBe(true);
      }
    }
  });

  it('refuses invalid or duplicate custom_ids and streaming with 400, and over-limit batches with 413', async () => {
    await expect(client.messages.batches.create({ requests: [request('has space', 'x')] }))
      .rejects.toMatchObject({ status: 400, error: { error: { type: 'invalid_request_error' } } });
    await expect(client.messages.batches.create({ requests: [request('x'.repeat(65), 'x')] })).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(client.messages.batches.create({ requests: [request('a', 'x'), request('a', 'y')] })).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    const streaming = request('s', 'x');
    await expect(client.messages.batches.create({ requests: [{ ...streaming, params: { ...streaming.params, stream: true } }] } as unknown as Anthropic.Messages.BatchCreateParams)).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    handle.setScenario({ limits: { anthropicMaxRequestsPerBatch: 3, anthropicMaxBatchBytes: 2000 } });
    await expect(client.messages.batches.create({ requests: Array.from({ length: 4 }, (_, i) => request(`r${i}`, 'x')) }))
      .rejects.toMatchObject({ status: 413, error: { error: { type: 'request_too_large' } } });
    await expect(client.messages.batches.create({ requests: [request('big', 'y'.repeat(3000))] })).rejects.toMatchObject({ status: 413 });
    expect(handle.inspect().batches.anthropic.map((b) => b.id)).not.toContain(undefined);
  });

  it('reports errored results for scenario faults, and expired results when the window passes', async () => {
    handle.setScenario({ requestFaults: { invalidRequestRate: 0.3, serverErrorRate: 0.3 } });
    const faulty = await pollEnded(client, (await client.messages.batches.create({ requests: Array.from({ length: 20 }, (_, i) => request(`f${i}`, 'x')) })).id);
    const counts = faulty.batch.request_counts;
    expect(counts.errored).toBeGreaterThan(0);
    expect(counts.succeeded + counts.errored).toBe(20);
    const errored = (await results(client, faulty.batch.id)).filter((l) => l.result.type === 'errored');
    expect(errored).toHaveLength(counts.errored);
    expect(errored[0]?.result).toMatchObject({ type: 'errored', error: { type: 'error', error: { type: expect.stringMatching(/invalid_request_error|api_error/) } } });

    handle.setScenario({ requestFaults: {}, timing: { completionWindowSeconds: 3600 }, batchFaults: [{ kind: 'expire', atFraction: 0.5 }] });
    const expiring = await pollEnded(client, (await client.messages.batches.create({ requests: Array.from({ length: 10 }, (_, i) => request(`e${i}`, 'x')) })).id);
    expect(expiring.batch.request_counts).toEqual({ processing: 0, succeeded: 5, errored: 0, canceled: 0, expired: 5 });
    expect(expiring.batch.ended_at).toBe(expiring.batch.expires_at);
    expect((await results(client, expiring.batch.id)).filter((l) => l.result.type === 'expired')).toHaveLength(5);
  });

  it('keeps request_counts at processing: N until the batch ends, then moves them all at once', async () => {
    handle.setScenario({ clock: { speed: 600 }, timing: { inProgressSeconds: 600 } });
    const created = await client.messages.batches.create({ requests: Array.from({ length: 20 }, (_, i) => request(`p${i}`, 'x')) });
    const done = () => handle.inspect().batches.anthropic.find((b) => b.id === created.id)?.request_counts.succeeded ?? 0;
    const midway = await pollEnded(client, created.id, () => done() >= 5 && done() < 20);
    expect(midway.batch).toMatchObject({ processing_status: 'in_progress', request_counts: { processing: 20, succeeded: 0, errored: 0, canceled: 0, expired: 0 } });
    const seen = new Set<string>();
    const { batch } = await pollEnded(client, created.id, (b) => {
      seen.add(JSON.stringify(b.request_counts));
      return b.processing_status === 'ended';
    });
    handle.setScenario(FAST);
    expect(batch.request_counts).toEqual({ processing: 0, succeeded: 20, errored: 0, canceled: 0, expired: 0 });
    expect([...seen].map((c) => JSON.parse(c) as MessageBatch['request_counts']).every((c) => c.processing === 20 || c.processing === 0)).toBe(true);
  });

  it('cancels slowly through canceling, keeping partial results, then deletes', async () => {
    handle.setScenario({ clock: { speed: 600 }, timing: { inProgressSeconds: 600, cancellingSeconds: 300 } });
    const created = await client.messages.batches.create({ requests: Array.from({ length: 30 }, (_, i) => request(`c${i}`, 'x')) });
    // the API's counts stay at processing until the end: the emulator's own view shows the requests done so far
    await pollEnded(client, created.id, () => (handle.inspect().batches.anthropic.find((b) => b.id === created.id)?.request_counts.succeeded ?? 0) >= 3);
    await expect(client.messages.batches.delete(created.id)).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    const canceling = await client.messages.batches.cancel(created.id);
    expect(canceling.processing_status).toBe('canceling');
    expect(canceling.cancel_initiated_at).not.toBeNull();
    const { batch, seen } = await pollEnded(client, created.id);
    handle.setScenario(FAST);
    expect(seen).toEqual(['canceling', 'ended']);
    expect(batch.request_counts.canceled).toBeGreaterThan(0);
    expect(batch.request_counts.succeeded + batch.request_counts.canceled).toBe(30);
    const lines = await results(client, created.id);
    expect(lines.filter((l) => l.result.type === 'canceled')).toHaveLength(batch.request_counts.canceled);
    expect(await client.messages.batches.delete(created.id)).toEqual({ id: created.id, type: 'message_batch_deleted' });
    await expect(client.messages.batches.retrieve(created.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    expect(handle.inspect().batches.anthropic.find((b) => b.id === created.id)?.deleted).toBe(true);
  });

  it('stalls a batch forever when a stall fault says so (it only ends when cancelled)', async () => {
    handle.setScenario({ timing: { completionWindowSeconds: 3600 }, batchFaults: [{ kind: 'stall', atFraction: 0.5, forever: true, provider: 'anthropic' }] });
    const created = await client.messages.batches.create({ requests: Array.from({ length: 4 }, (_, i) => request(`s${i}`, 'x')) });
    // a fifth of a real second past expires_at is 4,000 emulated seconds past it
    await pollEnded(client, created.id, () => Date.now() > Date.parse(created.expires_at) + 200);
    const stuck = await client.messages.batches.retrieve(created.id);
    expect(stuck).toMatchObject({ processing_status: 'in_progress', request_counts: { processing: 4, succeeded: 0 } });
    expect(handle.inspect().batches.anthropic.find((b) => b.id === created.id)?.request_counts).toMatchObject({ processing: 2, succeeded: 2 });
    await client.messages.batches.cancel(created.id);
    const { batch } = await pollEnded(client, created.id);
    expect(batch.request_counts).toMatchObject({ succeeded: 2, canceled: 2 });
  });

  it('lists newest first with before_id / after_id pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await client.messages.batches.create({ requests: [request(`l${i}`, 'x')] })).id);
    const newest = [...ids].reverse();
    const first = await client.messages.batches.list({ limit: 2 });
    expect(first.data.map((b) => b.id)).toEqual(newest.slice(0, 2));
    expect(first).toMatchObject({ has_more: true, first_id: newest[0], last_id: newest[1] });
    const next = await client.messages.batches.list({ limit: 2, after_id: newest[1] as string });
    expect(next.data.map((b) => b.id)).toEqual(newest.slice(2, 4));
    const before = await client.messages.batches.list({ limit: 2, before_id: newest[3] as string });
    expect(before.data.map((b) => b.id)).toEqual(newest.slice(1, 3));
    const all: string[] = [];
    for await (const b of client.messages.batches.list({ limit: 2 })) all.push(b.id);
    expect(all.slice(0, 5)).toEqual(newest);
  });

  it('answers 404 right after create, and can lose the create response', async () => {
    // 10,000,000 emulated seconds is ~8 real minutes at this speed: the 404 window cannot pass between the create
    // and the retrieve however loaded the machine is (600 was 30 ms, and a busy CI run once took longer).
    handle.setScenario({ retrieveNotFoundSeconds: 10_000_000, createFaults: [{ provider: 'anthropic', response: 'status_500', count: 1 }] });
    await expect(client.messages.batches.create({ requests: [request('lost', 'x')] })).rejects.toBeInstanceOf(Anthropic.InternalServerError);
    const lost = handle.inspect().createAttempts.filter((a) => a.provider === 'anthropic' && a.outcome === 'response_lost');
    expect(lost).toHaveLength(1);
    const created = await client.messages.batches.create({ requests: [request('found', 'x')] });
    await expect(client.messages.batches.retrieve(created.id)).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    expect(handle.inspect().submissions.byCustomId.anthropic.lost).toEqual({ count: 1, batches: [lost[0]?.batchId] });
  });

  it('refuses creates over the processing-requests quota with 429', async () => {
    while (handle.inspect().batches.anthropic.some((b) => b.status !== 'ended')) await new Promise((resolve) => setTimeout(resolve, 10));
    handle.setScenario({ timing: { inProgressSeconds: 10_000_000 }, quotas: { anthropicProcessingRequests: 3 } });
    const first = await client.messages.batches.create({ requests: [request('q1', 'x'), request('q2', 'x')] });
    await expect(client.messages.batches.create({ requests: [request('q3', 'x'), request('q4', 'x')] })).rejects.toBeInstanceOf(Anthropic.RateLimitError);
    await client.messages.batches.cancel(first.id);
  });
});
