import Ajv from 'ajv';
import OpenAI from 'openai';
import type { EmulatorHandle } from '../../src/emulator';
import { downloadLines, jsonl, openaiClient, pollBatch, uploadBatchFile, withEmulator } from './emulator-fixtures';

const schema = {
  type: 'object',
  properties: {
    sentiment: { type: 'string', enum: ['positive', 'negative', 'neutral'] },
    summary: { type: 'string', maxLength: 120 },
    stars: { type: 'integer', minimum: 1, maximum: 5 },
  },
  required: ['sentiment', 'summary', 'stars'],
  additionalProperties: false,
};
const validate = new Ajv().compile(schema);

describe('OpenAI synchronous endpoints', () => {
  let handle: EmulatorHandle;
  let client: OpenAI;
  beforeAll(async () => {
    handle = await withEmulator({ clock: { speed: 20_000 }, flex: { latencyMs: 150 } });
    client = openaiClient(handle);
  });
  afterAll(() => handle.stop());

  it('answers chat completions with JSON valid against response_format json_schema', async () => {
    const reviews = ['I love it, excellent blender', 'Awful, it arrived broken', 'It is fine, average'];
    const answers = await Promise.all(reviews.map((text) => client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: 'Classify the review.' }, { role: 'user', content: text }],
      response_format: { type: 'json_schema', json_schema: { name: 'review', schema, strict: true } },
    })));
    const parsed = answers.map((a) => JSON.parse(a.choices[0]?.message.content ?? ''));
    for (const value of parsed) expect(validate(value) ? null : validate.errors).toBeNull();
    expect(parsed.map((p) => p.sentiment)).toEqual(['positive', 'negative', 'neutral']);
  });

  it('answers the Responses API, with text.format json_schema', async () => {
    const plain = await client.responses.create({ model: 'gpt-4.1-mini', instructions: 'Be brief.', input: 'Explain photosynthesis in plants' });
    expect(plain.status).toBe('completed');
    expect(plain.output_text).toMatch(/photosynthesis|plants/);
    expect(plain.usage?.total_tokens).toBe((plain.usage?.input_tokens ?? 0) + (plain.usage?.output_tokens ?? 0));
    const structured = await client.responses.create({
      model: 'gpt-4.1-mini',
      input: [{ role: 'user', content: 'Great phone, superb camera' }],
      text: { format: { type: 'json_schema', name: 'review', schema, strict: true } },
    });
    expect(validate(JSON.parse(structured.output_text))).toBe(true);
  });

  it('answers JSON mode with a JSON object, and refuses it as the API does when the messages never say "json"', async () => {
    const chat = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: 'Reply in JSON.' }, { role: 'user', content: 'Tides follow the moon' }],
      response_format: { type: 'json_object' },
    });
    const object = JSON.parse(chat.choices[0]?.message.content ?? '') as unknown;
    expect(object).toEqual({ answer: expect.stringMatching(/tides|moon/i) });
    const refused = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: 'Reply as an object.' }, { role: 'user', content: 'Tides follow the moon' }],
      response_format: { type: 'json_object' },
    }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused).toMatchObject({
      status: 400,
      error: { message: "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", type: 'invalid_request_error', param: 'messages', code: null },
    });
    // the Responses API looks at the input messages only: instructions saying JSON are not enough
    const response = await client.responses.create({ model: 'gpt-4.1-mini', input: 'Give the answer as json: why is the sky blue', text: { format: { type: 'json_object' } } });
    expect(JSON.parse(response.output_text)).toEqual({ answer: expect.any(String) });
    await expect(client.responses.create({ model: 'gpt-4.1-mini', instructions: 'Answer in JSON.', input: 'why is the sky blue', text: { format: { type: 'json_object' } } }))
      .rejects.toMatchObject({ status: 400, error: { message: "Response input messages must contain the word 'json' in some form to use 'text.format' of type 'json_object'.", type: 'invalid_request_error', param: 'text.format' } });
  });

  it('answers a schema stated only in the prompt (instructor style) with JSON valid against it', async () => {
    // instructor's JSON mode: the pydantic schema in the system message, response_format json_object
    const system = `As a genius expert, your task is to understand the content and provide the parsed objects in json that match the following json_schema:\n\n${JSON.stringify(schema, null, 2)}\n\nMake sure to return an instance of the JSON, not the schema itself`;
    const reviews = ['I love it, excellent blender', 'Awful, it arrived broken'];
    const answers = await Promise.all(reviews.map((text) => client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: system }, { role: 'user', content: text }],
      response_format: { type: 'json_object' },
    })));
    const parsed = answers.map((a) => JSON.parse(a.choices[0]?.message.content ?? '') as { sentiment: string; summary: string });
    for (const value of parsed) expect(validate(value) ? null : validate.errors).toBeNull();
    expect(parsed.map((p) => p.sentiment)).toEqual(['positive', 'negative']);
    // the schema in the user turn (instructor's MD_JSON mode, no JSON mode): valid, and not what the answer is about
    const inUser = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: `Awful, it arrived broken.\n\nReturn json matching this schema:\n\`\`\`json\n${JSON.stringify(schema)}\n\`\`\`` }],
    });
    const value = JSON.parse(inUser.choices[0]?.message.content ?? '') as { sentiment: string; summary: string };
    expect(validate(value) ? null : validate.errors).toBeNull();
    expect(value).toMatchObject({ sentiment: 'negative', summary: expect.stringContaining('arrived broken') });
    expect(value.summary).not.toMatch(/properties|enum/);
    // a prompt that never asks for JSON gets prose, whatever braces it holds
    const prose = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Explain this object: ${JSON.stringify(schema)}` }] });
    expect(() => JSON.parse(prose.choices[0]?.message.content ?? '')).toThrow();
  });

  it('returns deterministic embeddings, base64 by default in the SDK, with configurable dimensions', async () => {
    const a = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] });
    const b = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'alpha', encoding_format: 'float' });
    expect(a.data).toHaveLength(2);
    expect(a.data[0]?.embedding).toHaveLength(256);
    expect(b.data[0]?.embedding).toEqual(a.data[0]?.embedding);
    expect(a.data[1]?.embedding).not.toEqual(a.data[0]?.embedding);
    const norm = Math.hypot(...(a.data[0]?.embedding ?? []));
    expect(norm).toBeCloseTo(1, 4);
    const small = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'alpha', dimensions: 8 });
    expect(small.data[0]?.embedding).toHaveLength(8);
  });

  it('runs responses and embeddings batches too', async () => {
    const fileId = await uploadBatchFile(client, jsonl([0, 1, 2].map((i) => ({ custom_id: `e${i}`, method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: `doc ${i}`, encoding_format: 'float' } }))));
    const { batch } = await pollBatch(client, (await client.batches.create({ input_file_id: fileId, endpoint: '/v1/embeddings', completion_window: '24h' })).id);
    const lines = await downloadLines<{ response: { body: { data: { embedding: number[] }[] } } }>(client, batch.output_file_id);
    expect(lines.map((l) => l.response.body.data[0]?.embedding.length)).toEqual([256, 256, 256]);
    const respFile = await uploadBatchFile(client, jsonl([{ custom_id: 'r', method: 'POST', url: '/v1/responses', body: { model: 'gpt-4.1-mini', input: 'tides and the moon' } }]));
    const responses = await pollBatch(client, (await client.batches.create({ input_file_id: respFile, endpoint: '/v1/responses', completion_window: '24h' })).id);
    const [line] = await downloadLines<{ response: { body: { object: string; output: { content: { text: string }[] }[] } } }>(client, responses.batch.output_file_id);
    expect(line?.response.body.object).toBe('response');
    expect(line?.response.body.output[0]?.content[0]?.text).toMatch(/tides|moon/);
  });

  it('serves flex slower, and answers 429 resource_unavailable with retry-after at the configured rate', async () => {
    const started = Date.now();
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], service_tier: 'flex' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    handle.setScenario({ flex: { latencyMs: 0, unavailableRate: 1, retryAfterSeconds: 3 } });
    const error = await client.responses.create({ model: 'gpt-4.1-mini', input: 'hi', service_tier: 'flex' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'resource_unavailable' });
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('3');
    await expect(client.responses.create({ model: 'gpt-4.1-mini', input: 'hi', service_tier: 'auto' })).resolves.toMatchObject({ status: 'completed' });
    handle.setScenario({ flex: { latencyMs: 0, unavailableRate: 0.5 } });
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `q${i}` }], service_tier: 'flex' })
      .then(() => 'ok', () => 'busy')));
    expect(outcomes).toContain('ok');
    expect(outcomes).toContain('busy');
  });

  it('refuses bad bodies in the OpenAI error format, and counts synchronous calls in inspection', async () => {
    await expect(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [] })).rejects.toMatchObject({ status: 400, type: 'invalid_request_error', param: 'messages' });
    const raw = await fetch(`${handle.openaiBaseURL}/nope`);
    expect(raw.status).toBe(404);
    expect(await raw.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    const counts = handle.inspect().syncRequests;
    expect(counts).toEqual(expect.arrayContaining([
      { provider: 'openai', endpoint: '/v1/chat/completions', model: 'gpt-4o-mini', serviceTier: 'flex', count: 21 },
      { provider: 'openai', endpoint: '/v1/responses', model: 'gpt-4.1-mini', serviceTier: 'flex', count: 1 },
      { provider: 'openai', endpoint: '/v1/responses', model: 'gpt-4.1-mini', serviceTier: 'auto', count: 1 },
    ]));
  });
});
