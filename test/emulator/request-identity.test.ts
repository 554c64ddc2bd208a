import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startEmulator, type EmulatorHandle } from '../../src/emulator';
import { anthropicClient, chatLine, openaiClient, submitChatBatch, withEmulator } from './emulator-fixtures';

const REQUEST = { custom_id: 'r1', params: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user' as const, content: 'hi' }] } };

async function endedBatch(client: Anthropic): Promise<string> {
  const created = await client.messages.batches.create({ requests: [REQUEST] });
  while ((await client.messages.batches.retrieve(created.id)).processing_status !== 'ended') await new Promise((resolve) => setTimeout(resolve, 10));
  return created.id;
}

describe('Anthropic results_url: on the origin the client called', () => {
  let handle: EmulatorHandle;
  let port: string;
  beforeAll(async () => {
    handle = await startEmulator({ host: '0.0.0.0', scenario: { clock: { speed: 20_000 } } });
    port = new URL(handle.url).port;
  });
  afterAll(() => handle.stop());

  it('is built from the Host header, never from the listen address, and the official client streams it', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const client = new Anthropic({ apiKey: 'test', baseURL: `http://${host}:${port}`, maxRetries: 0 });
      const id = await endedBatch(client);
      const batch = await client.messages.batches.retrieve(id);
      expect(batch.results_url).toBe(`http://${host}:${port}/v1/messages/batches/${id}/results`);
      const lines = [];
      for await (const line of await client.messages.batches.results(id)) lines.push(line);
      expect(lines).toMatchObject([{ custom_id: 'r1', result: { type: 'succeeded' } }]);
      const listed = await client.messages.batches.list({ limit: 1 });
      expect(listed.data[0]?.results_url).toBe(batch.results_url);
    }
  });

  it('takes the scheme a proxy reports in x-forwarded-proto or forwarded', async () => {
    const id = await endedBatch(new Anthropic({ apiKey: 'test', baseURL: `http://127.0.0.1:${port}`, maxRetries: 0 }));
    const resultsUrl = async (headers: Record<string, string>) => {
      const body = (await fetch(`http://127.0.0.1:${port}/v1/messages/batches/${id}`, { headers }).then((r) => r.json())) as { results_url: string };
      return body.results_url;
    };
    expect(await resultsUrl({ 'x-forwarded-proto': 'https' })).toBe(`https://127.0.0.1:${port}/v1/messages/batches/${id}/results`);
    expect(await resultsUrl({ forwarded: 'for=192.0.2.60;proto=https;by=203.0.113.43, for=10.0.0.1;proto=http' })).toMatch(/^https:\/\/127\.0\.0\.1:/);
    expect(await resultsUrl({ 'x-forwarded-proto': 'gopher' })).toMatch(/^http:\/\/127\.0\.0\.1:/);
  });
});

describe('request ids on every answer, errors included', () => {
  let handle: EmulatorHandle;
  let openai: OpenAI;
  let anthropic: Anthropic;
  beforeAll(async () => {
    handle = await withEmulator({ clock: { speed: 20_000 } });
    openai = openaiClient(handle);
    anthropic = anthropicClient(handle);
  });
  afterAll(() => handle.stop());
  afterEach(() => handle.setScenario({ endpointFaults: [] }));

  it('OpenAI paths send x-request-id (the SDK reads it as requestID), on success, 4xx and scripted faults', async () => {
    const created = await submitChatBatch(openai, [chatLine('id-1', 'hello')]);
    const first = await openai.batches.retrieve(created.id).withResponse();
    const second = await openai.batches.retrieve(created.id).withResponse();
    expect(first.request_id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(second.request_id).not.toBe(first.request_id);
    expect(first.response.headers.get('request-id')).toBeNull();
    const chat = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(chat.request_id).toMatch(/^req_/);

    const notFound = await openai.batches.retrieve('batch_nope').catch((err: unknown) => err);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect((notFound as InstanceType<typeof OpenAI.APIError>).requestID).toMatch(/^req_/);
    const invalid = await openai.batches.create({ input_file_id: 'file-nope', endpoint: '/v1/chat/completions', completion_window: '24h' }).catch((err: unknown) => err);
    expect((invalid as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((invalid as InstanceType<typeof OpenAI.APIError>).requestID).toMatch(/^req_/);
    handle.setScenario({ endpointFaults: [{ method: 'GET', path: '/v1/batches/*', status: 503, count: 1 }] });
    const faulted = await openai.batches.retrieve(created.id).catch((err: unknown) => err);
    expect((faulted as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((faulted as InstanceType<typeof OpenAI.APIError>).requestID).toMatch(/^req_/);
  });

  it('Anthropic paths send request-id, and an error body carries the same id as request_id', async () => {
    const created = await anthropic.messages.batches.create({ requests: [REQUEST] });
    const { response } = await anthropic.messages.batches.retrieve(created.id).withResponse();
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('x-request-id')).toBeNull();
    const message = await anthropic.messages.create(REQUEST.params).withResponse();
    expect(message.request_id).toMatch(/^req_/);

    const failures = [
      await anthropic.messages.batches.retrieve('msgbatch_nope').catch((err: unknown) => err),
      await anthropic.messages.batches.create({ requests: [{ ...REQUEST, custom_id: 'bad id' }] }).catch((err: unknown) => err),
    ];
    handle.setScenario({ endpointFaults: [{ method: 'GET', path: '/v1/messages/batches/*', status: 529, count: 1 }] });
    failures.push(await anthropic.messages.batches.retrieve(created.id).catch((err: unknown) => err));
    expect(failures.map((err) => (err as InstanceType<typeof Anthropic.APIError>).status)).toEqual([404, 400, 529]);
    for (const err of failures as InstanceType<typeof Anthropic.APIError>[]) {
      expect(err.requestID).toMatch(/^req_/);
      expect(err.error).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.any(String) }, request_id: err.requestID });
    }

    while ((await anthropic.messages.batches.retrieve(created.id)).processing_status !== 'ended') await new Promise((resolve) => setTimeout(resolve, 10));
    const results = await fetch(`${handle.url}/v1/messages/batches/${created.id}/results`);
    expect(results.headers.get('request-id')).toMatch(/^req_/);
    await results.text();
  });
});
