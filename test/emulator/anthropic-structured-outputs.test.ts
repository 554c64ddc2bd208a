import type Anthropic from '@anthropic-ai/sdk';
import { jsonSchemaOutputFormat } from '@anthropic-ai/sdk/helpers/json-schema';
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import Ajv from 'ajv';
import type { EmulatorHandle } from '../../src/emulator';
import { anthropicClient, withEmulator } from './emulator-fixtures';

/** A schema as a user writes it, with the bounds Anthropic's structured outputs refuse. */
const TICKET = {
  type: 'object',
  properties: {
    category: { type: 'string', enum: ['billing', 'bug', 'performance', 'account', 'other'] },
    urgency: { type: 'integer', minimum: 1, maximum: 5 },
    summary: { type: 'string', maxLength: 120 },
  },
  required: ['category', 'urgency', 'summary'],
  additionalProperties: false,
} as const;
const validate = new Ajv().compile(TICKET);
/** What the official SDK sends for it: the bounds moved into descriptions, every object closed. */
const WIRE = jsonSchemaOutputFormat(TICKET);
const MODEL = 'claude-haiku-4-5';

function ticketParams(text: string, format: Anthropic.JSONOutputFormat = { type: 'json_schema', schema: WIRE.schema }): Anthropic.MessageCreateParamsNonStreaming {
  return { model: MODEL, max_tokens: 300, system: 'Triage the support ticket.', messages: [{ role: 'user', content: text }], output_config: { format } };
}

function jsonText(message: Anthropic.Message): unknown {
  expect(message.content).toEqual([{ type: 'text', text: expect.any(String), citations: null }]);
  const [block] = message.content;
  return JSON.parse(block?.type === 'text' ? block.text : '');
}

describe('Anthropic structured outputs (output_config.format)', () => {
  let handle: EmulatorHandle;
  let client: Anthropic;
  beforeAll(async () => {
    handle = await withEmulator({ clock: { speed: 20_000 } });
    client = anthropicClient(handle);
  });
  afterAll(() => handle.stop());

  it('answers one text block of JSON valid against the schema, read by the SDK\'s own parse()', async () => {
    const message = await client.messages.create(ticketParams('I was charged twice for my invoice, please refund one charge.'));
    expect(message.stop_reason).toBe('end_turn');
    const value = jsonText(message);
    expect(validate(value) ? null : validate.errors).toBeNull();
    expect(value).toMatchObject({ category: 'billing' });
    const parsed = await client.messages.parse({ ...ticketParams('My account is locked after a password reset'), output_config: { format: WIRE } });
    expect(validate(parsed.parsed_output) ? null : validate.errors).toBeNull();
    expect(parsed.parsed_output).toMatchObject({ category: 'account' });
  });

  it('still honours the beta output_format', async () => {
    const { output_config: _config, ...params } = ticketParams('The dashboard fails with an error');
    const message = await client.post<Anthropic.Message>('/v1/messages', { body: { ...params, output_format: { type: 'json_schema', schema: WIRE.schema } } });
    expect(validate(jsonText(message)) ? null : validate.errors).toBeNull();
  });

  it('refuses, in the API\'s words, a schema with keywords structured outputs do not support', async () => {
    const refusal = (schema: Record<string, unknown>) => client.messages.create(ticketParams('anything', { type: 'json_schema', schema })).catch((err: unknown) => err);
    expect(await refusal(TICKET)).toMatchObject({
      status: 400,
      error: { type: 'error', error: { type: 'invalid_request_error', message: "output_config.format.schema: For 'integer' type, properties maximum, minimum are not supported" } },
    });
    const open = { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' } } }, required: ['tags'] };
    expect(await refusal(open)).toMatchObject({ status: 400, error: { error: { message: "output_config.format.schema: For 'object' type, 'additionalProperties' must be explicitly set to false" } } });
    const long = { ...open, additionalProperties: false, properties: { tags: { type: 'array', items: { type: 'string' }, minItems: 2 } } };
    expect(await refusal(long)).toMatchObject({ status: 400, error: { error: { message: "output_config.format.schema: For 'array' type, 'minItems' values other than 0 or 1 are not supported" } } });
  });

  it('refuses a forced tool on the models that only take structured outputs (Claude Fable 5.1, Mythos 5.1)', async () => {
    const forced = (model: string) => client.messages.create({ model, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 'ticket', input_schema: WIRE.schema as Anthropic.Tool.InputSchema }], tool_choice: { type: 'tool', name: 'ticket' } });
    await expect(forced('claude-fable-5-1')).rejects.toMatchObject({ status: 400, error: { error: { type: 'invalid_request_error', message: 'tool_choice: type "tool" and "any" are not supported for this model.' } } });
    await expect(forced('claude-mythos-5-1')).rejects.toMatchObject({ status: 400 });
    await expect(forced('claude-fable-5')).resolves.toMatchObject({ stop_reason: 'tool_use' });
    await expect(client.messages.create({ ...ticketParams('My invoice is wrong'), model: 'claude-fable-5-1' })).resolves.toMatchObject({ stop_reason: 'end_turn' });
  });

  it('answers structured outputs in batches, and reports a refused schema as an errored request', async () => {
    const created = await client.messages.batches.create({
      requests: [
        { custom_id: 'ok-1', params: ticketParams('Average latency went from 200 ms to 7 seconds') },
        { custom_id: 'ok-2', params: ticketParams('Please make my colleague the owner of the workspace') },
        { custom_id: 'bad', params: ticketParams('anything', { type: 'json_schema', schema: TICKET }) },
      ],
    });
    for (let batch = created; batch.processing_status !== 'ended'; batch = await client.messages.batches.retrieve(created.id)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const lines: MessageBatchIndividualResponse[] = [];
    for await (const line of await client.messages.batches.results(created.id)) lines.push(line);
    const byId = Object.fromEntries(lines.map((line) => [line.custom_id, line.result]));
    const answers = ['ok-1', 'ok-2'].map((id) => {
      const result = byId[id];
      return result?.type === 'succeeded' ? jsonText(result.message) : result;
    });
    for (const value of answers) expect(validate(value) ? null : validate.errors).toBeNull();
    expect(answers.map((a) => (a as { category: string }).category)).toEqual(['performance', 'account']);
    expect(byId.bad).toMatchObject({ type: 'errored', error: { error: { type: 'invalid_request_error', message: expect.stringContaining("For 'integer' type") } } });
  });
});
