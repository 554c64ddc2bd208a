import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import type { CacheCreation, Message, OutputTokensDetails, TextBlock, ToolUseBlock, Usage } from '@anthropic-ai/sdk/resources/messages/messages';
import type OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionMessage } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import type { CreateEmbeddingResponse, Embedding } from 'openai/resources/embeddings';
import type { Response, ResponseOutputMessage, ResponseOutputText, ResponseUsage } from 'openai/resources/responses/responses';
import type { EmulatorHandle } from '../../src/emulator';
import { anthropicClient, downloadLines, jsonl, openaiClient, pollBatch, uploadBatchFile, withEmulator } from './emulator-fixtures';

/**
 * The emulator's answer objects against the official SDKs' types (openai 6.x, @anthropic-ai/sdk) and OpenAI's
 * published OpenAPI schema: every field marked required is there, with a JSON type the declaration allows, on
 * synchronous answers and inside batch output files.
 *
 * The type-level half: `Spec<T>` lists every required key of T with the JSON kinds its type allows, and a
 * spec object must name exactly those keys (a key missing or extra, or a kind T does not allow, fails to
 * compile), so an SDK upgrade that adds a required field breaks the typecheck until the spec and the emulator
 * follow.
 */

type Kind = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type KindOf<V> = unknown extends V ? Kind
  : V extends string ? 'string' : V extends number ? 'number' : V extends boolean ? 'boolean' : V extends null ? 'null'
    : V extends readonly unknown[] ? 'array' : V extends object ? 'object' : never;
type Spec<T> = { readonly [K in RequiredKeys<T>]: readonly KindOf<T[K]>[] };

const RESPONSE: Spec<Response> = {
  id: ['string'], created_at: ['number'], error: ['object', 'null'], incomplete_details: ['object', 'null'], instructions: ['string', 'array', 'null'],
  metadata: ['object', 'null'], model: ['string'], object: ['string'], output: ['array'], parallel_tool_calls: ['boolean'], temperature: ['number', 'null'],
  tool_choice: ['string', 'object'], tools: ['array'], top_p: ['number', 'null'],
  // an SDK-only convenience (OpenAPI: "SDK-only convenience property"): the client adds it, the wire has none
  output_text: ['string'],
};
const RESPONSE_USAGE: Spec<ResponseUsage> = { input_tokens: ['number'], input_tokens_details: ['object'], output_tokens: ['number'], output_tokens_details: ['object'], total_tokens: ['number'] };
const INPUT_TOKENS_DETAILS: Spec<ResponseUsage.InputTokensDetails> = { cached_tokens: ['number'], cache_write_tokens: ['number'] };
const OUTPUT_TOKENS_DETAILS: Spec<ResponseUsage.OutputTokensDetails> = { reasoning_tokens: ['number'] };
const OUTPUT_MESSAGE: Spec<ResponseOutputMessage> = { id: ['string'], content: ['array'], role: ['string'], status: ['string'], type: ['string'] };
const OUTPUT_TEXT: Spec<ResponseOutputText> = { annotations: ['array'], text: ['string'], type: ['string'] };
const CHAT_COMPLETION: Spec<ChatCompletion> = { id: ['string'], choices: ['array'], created: ['number'], model: ['string'], object: ['string'] };
const CHOICE: Spec<ChatCompletion.Choice> = { finish_reason: ['string'], index: ['number'], logprobs: ['object', 'null'], message: ['object'] };
const CHAT_MESSAGE: Spec<ChatCompletionMessage> = { content: ['string', 'null'], refusal: ['string', 'null'], role: ['string'] };
const COMPLETION_USAGE: Spec<CompletionUsage> = { completion_tokens: ['number'], prompt_tokens: ['number'], total_tokens: ['number'] };
const EMBEDDINGS: Spec<CreateEmbeddingResponse> = { data: ['array'], model: ['string'], object: ['string'], usage: ['object'] };
const EMBEDDINGS_USAGE: Spec<CreateEmbeddingResponse.Usage> = { prompt_tokens: ['number'], total_tokens: ['number'] };
const EMBEDDING: Spec<Embedding> = { embedding: ['array'], index: ['number'], object: ['string'] };
const MESSAGE: Spec<Message> = {
  id: ['string'], container: ['object', 'null'], content: ['array'], diagnostics: ['object', 'null'], model: ['string'], role: ['string'],
  stop_details: ['object', 'null'], stop_reason: ['string', 'null'], stop_sequence: ['string', 'null'], type: ['string'], usage: ['object'],
};
const MESSAGE_USAGE: Spec<Usage> = {
  cache_creation: ['object', 'null'], cache_creation_input_tokens: ['number', 'null'], cache_read_input_tokens: ['number', 'null'], inference_geo: ['string', 'null'],
  input_tokens: ['number'], output_tokens: ['number'], output_tokens_details: ['object', 'null'], server_tool_use: ['object', 'null'],
  service_tier: ['string', 'null'], speed: ['string', 'null'],
};
const CACHE_CREATION: Spec<CacheCreation> = { ephemeral_1h_input_tokens: ['number'], ephemeral_5m_input_tokens: ['number'] };
const THINKING_DETAILS: Spec<OutputTokensDetails> = { thinking_tokens: ['number'] };
const TEXT_BLOCK: Spec<TextBlock> = { citations: ['array', 'null'], text: ['string'], type: ['string'] };
const TOOL_USE_BLOCK: Spec<ToolUseBlock> = { id: ['string'], caller: ['object'], input: ['object'], name: ['string'], type: ['string'] };

type Json = Record<string, unknown>;

function kindOf(value: unknown): Kind | 'undefined' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as Kind | 'undefined';
}

/** Every required field missing or of a kind the spec does not allow, as `where.field: got`. */
function problems(value: unknown, spec: Readonly<Record<string, readonly string[]>>, where: string, skip: string[] = []): string[] {
  const object = (value ?? {}) as Json;
  return Object.entries(spec)
    .filter(([key]) => !skip.includes(key))
    .flatMap(([key, kinds]) => (kinds.includes(kindOf(object[key])) ? [] : [`${where}.${key}: ${key in object ? kindOf(object[key]) : 'missing'}`]));
}

/** A Response object, wire (no `output_text`) or as the SDK returns it. */
function responseProblems(body: unknown, where: string, wire: boolean): string[] {
  const response = body as Json & { usage: Json & { input_tokens_details: unknown; output_tokens_details: unknown }; output: Json[] };
  const message = response.output?.[0];
  return [
    ...problems(response, RESPONSE, where, wire ? ['output_text'] : []),
    ...problems(response.usage, RESPONSE_USAGE, `${where}.usage`),
    ...problems(response.usage?.input_tokens_details, INPUT_TOKENS_DETAILS, `${where}.usage.input_tokens_details`),
    ...problems(response.usage?.output_tokens_details, OUTPUT_TOKENS_DETAILS, `${where}.usage.output_tokens_details`),
    ...problems(message, OUTPUT_MESSAGE, `${where}.output[0]`),
    ...problems((message?.content as unknown[] | undefined)?.[0], OUTPUT_TEXT, `${where}.output[0].content[0]`),
  ];
}

function chatProblems(body: unknown, where: string): string[] {
  const chat = body as Json & { choices: (Json & { message: unknown })[]; usage: unknown };
  return [
    ...problems(chat, CHAT_COMPLETION, where),
    ...problems(chat.choices?.[0], CHOICE, `${where}.choices[0]`),
    ...problems(chat.choices?.[0]?.message, CHAT_MESSAGE, `${where}.choices[0].message`),
    ...problems(chat.usage, COMPLETION_USAGE, `${where}.usage`),
  ];
}

function embeddingsProblems(body: unknown, where: string): string[] {
  const list = body as Json & { data: unknown[]; usage: unknown };
  return [...problems(list, EMBEDDINGS, where), ...problems(list.usage, EMBEDDINGS_USAGE, `${where}.usage`), ...problems(list.data?.[0], EMBEDDING, `${where}.data[0]`)];
}

function messageProblems(body: unknown, where: string): string[] {
  const message = body as Json & { usage: Json; content: Json[] };
  return [
    ...problems(message, MESSAGE, where),
    ...problems(message.usage, MESSAGE_USAGE, `${where}.usage`),
    ...problems(message.usage?.cache_creation, CACHE_CREATION, `${where}.usage.cache_creation`),
    ...problems(message.usage?.output_tokens_details, THINKING_DETAILS, `${where}.usage.output_tokens_details`),
    ...(message.content ?? []).flatMap((block, i) => problems(block, block.type === 'tool_use' ? TOOL_USE_BLOCK : TEXT_BLOCK, `${where}.content[${i}]`)),
  ];
}

/**
 * Required fields and their JSON kinds per object of OpenAI's OpenAPI document, extracted by openApiRequired
 * (run with OPENAI_OPENAPI_JSON=<openapi.json> to check the extract against a newer document, and with
 * LONGHAUL_WRITE_OPENAPI_EXTRACT=1 as well to rewrite it).
 */
const EXTRACT_FILE = path.join(__dirname, '..', 'fixtures', 'openai-openapi-required.json');
const OPENAPI_OBJECTS = [
  'Response', 'ResponseUsage', 'ResponseUsage.input_tokens_details', 'ResponseUsage.output_tokens_details', 'OutputMessage', 'OutputTextContent',
  'CreateChatCompletionResponse', 'CreateChatCompletionResponse.choices[]', 'ChatCompletionResponseMessage', 'CompletionUsage',
  'CreateEmbeddingResponse', 'CreateEmbeddingResponse.usage', 'Embedding',
];
type OpenApiExtract = { source: string; objects: Record<string, Record<string, string[]>> };
const openApi = JSON.parse(readFileSync(EXTRACT_FILE, 'utf8')) as OpenApiExtract;

/** `name` (a component, then `.property` and `[]` for array items): its required properties and their kinds. */
function openApiRequired(document: Json, name: string): Record<string, string[]> {
  const schemas = (document.components as Json).schemas as Json;
  const resolve = (node: unknown): Json => {
    let current = (node ?? {}) as Json;
    while (typeof current.$ref === 'string') current = schemas[current.$ref.split('/').pop() as string] as Json;
    return current;
  };
  const merged = (node: unknown): Json => {
    const resolved = resolve(node);
    const parts = Array.isArray(resolved.allOf) ? resolved.allOf.map(merged) : [];
    return {
      ...resolved,
      properties: Object.assign({}, ...parts.map((p) => p.properties), resolved.properties),
      required: [...parts.flatMap((p) => (p.required as string[]) ?? []), ...((resolved.required as string[]) ?? [])],
    };
  };
  const kinds = (node: unknown): string[] => {
    const schema = resolve(node);
    const alternatives = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
    if (alternatives) return [...new Set(alternatives.flatMap(kinds))].sort();
    const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : schema.properties || schema.allOf ? ['object'] : [];
    const fromEnum = Array.isArray(schema.enum) ? schema.enum.map((v) => kindOf(v)) : [];
    return [...new Set([...types.map((t) => (t === 'integer' ? 'number' : String(t))), ...fromEnum])].sort();
  };
  const [root, ...steps] = name.split('.');
  let node = merged(schemas[root as string]);
  for (const step of steps) {
    const property = ((node.properties as Json)[step.replace('[]', '')]);
    node = merged(step.endsWith('[]') ? resolve(property).items : property);
  }
  return Object.fromEntries([...new Set(node.required as string[])].sort().map((key) => [key, kinds((node.properties as Json)[key])]));
}

describe('emulator objects against the official SDK types and the OpenAPI schema', () => {
  let handle: EmulatorHandle;
  let openai: OpenAI;
  let anthropic: Anthropic;
  beforeAll(async () => {
    handle = await withEmulator({ clock: { speed: 20_000 } });
    openai = openaiClient(handle);
    anthropic = anthropicClient(handle);
  });
  afterAll(() => handle.stop());

  const schema = { type: 'object' as const, properties: { label: { type: 'string', enum: ['spam', 'ham'] } }, required: ['label'], additionalProperties: false };
  const chatBody = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'Win a free cruise now' }] };
  const responsesBody = { model: 'gpt-4.1-mini', input: 'Win a free cruise now' };
  const embeddingsBody = { model: 'text-embedding-3-small', input: 'cruise', encoding_format: 'float' as const };
  const messageBodies: Anthropic.MessageCreateParamsNonStreaming[] = [
    { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Win a free cruise now' }] },
    { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Win a free cruise now' }], tools: [{ name: 'label', input_schema: schema }], tool_choice: { type: 'tool', name: 'label' } },
    { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Win a free cruise now' }], output_config: { format: { type: 'json_schema', schema } } },
  ];

  it('answers synchronously with every field the SDK types require', async () => {
    const found = [
      ...chatProblems(await openai.chat.completions.create(chatBody), 'chat'),
      ...chatProblems(await openai.chat.completions.create({ ...chatBody, response_format: { type: 'json_schema', json_schema: { name: 'label', schema } } }), 'chat(json_schema)'),
      ...responseProblems(await openai.responses.create(responsesBody), 'response', false),
      ...responseProblems(await openai.responses.create({ ...responsesBody, input: 'spam or ham, as json', text: { format: { type: 'json_object' } } }), 'response(json_object)', false),
      ...embeddingsProblems(await openai.embeddings.create(embeddingsBody), 'embeddings'),
      ...(await Promise.all(messageBodies.map((body) => anthropic.messages.create(body)))).flatMap((message, i) => messageProblems(message, `message[${i}]`)),
    ];
    expect(found).toEqual([]);
  });

  it('writes the same objects into batch output files and Anthropic batch results', async () => {
    const batchBodies = async (endpoint: '/v1/chat/completions' | '/v1/responses' | '/v1/embeddings', body: object) => {
      const fileId = await uploadBatchFile(openai, jsonl([0, 1].map((i) => ({ custom_id: `c${i}`, method: 'POST', url: endpoint, body }))));
      const { batch } = await pollBatch(openai, (await openai.batches.create({ input_file_id: fileId, endpoint, completion_window: '24h' })).id);
      const lines = await downloadLines<{ response: { status_code: number; body: unknown } }>(openai, batch.output_file_id);
      expect(lines.map((line) => line.response.status_code)).toEqual([200, 200]);
      return lines.map((line) => line.response.body);
    };
    const created = await anthropic.messages.batches.create({ requests: messageBodies.map((params, i) => ({ custom_id: `m${i}`, params })) });
    for (let batch = created; batch.processing_status !== 'ended'; batch = await anthropic.messages.batches.retrieve(created.id)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const results: MessageBatchIndividualResponse[] = [];
    for await (const line of await anthropic.messages.batches.results(created.id)) results.push(line);
    const found = [
      ...(await batchBodies('/v1/chat/completions', chatBody)).flatMap((body, i) => chatProblems(body, `batch chat[${i}]`)),
      ...(await batchBodies('/v1/responses', responsesBody)).flatMap((body, i) => responseProblems(body, `batch response[${i}]`, true)),
      ...(await batchBodies('/v1/embeddings', embeddingsBody)).flatMap((body, i) => embeddingsProblems(body, `batch embeddings[${i}]`)),
      ...results.flatMap((line) => (line.result.type === 'succeeded' ? messageProblems(line.result.message, `batch ${line.custom_id}`) : [`batch ${line.custom_id}: ${line.result.type}`])),
    ];
    expect(found).toEqual([]);
  });

  it('has every field OpenAI\'s published OpenAPI schema requires, of the types it names', async () => {
    const { objects } = openApi;
    const chat = await openai.chat.completions.create(chatBody);
    // the raw wire object, not what the SDK makes of it
    const response = await (await openai.responses.create(responsesBody).asResponse()).json() as Json & { usage: Json; output: Json[] };
    const embeddings = await openai.embeddings.create(embeddingsBody);
    const checks: [string, unknown][] = [
      ['Response', response], ['ResponseUsage', response.usage], ['ResponseUsage.input_tokens_details', response.usage.input_tokens_details],
      ['ResponseUsage.output_tokens_details', response.usage.output_tokens_details], ['OutputMessage', response.output[0]],
      ['OutputTextContent', (response.output[0]?.content as unknown[])[0]],
      ['CreateChatCompletionResponse', chat], ['CreateChatCompletionResponse.choices[]', chat.choices[0]], ['ChatCompletionResponseMessage', chat.choices[0]?.message],
      ['CompletionUsage', chat.usage], ['CreateEmbeddingResponse', embeddings], ['CreateEmbeddingResponse.usage', embeddings.usage], ['Embedding', embeddings.data[0]],
    ];
    expect(checks.map(([name]) => name).sort()).toEqual([...OPENAPI_OBJECTS].sort());
    expect(checks.flatMap(([name, value]) => problems(value, objects[name] ?? {}, name))).toEqual([]);
    expect(objects.OutputTextContent).toHaveProperty('logprobs');
    expect(objects['ResponseUsage.input_tokens_details']).toEqual({ cache_write_tokens: ['number'], cached_tokens: ['number'] });
  });

  const document = process.env.OPENAI_OPENAPI_JSON;
  (document ? it : it.skip)('keeps the OpenAPI extract in step with the document in OPENAI_OPENAPI_JSON', () => {
    const spec = JSON.parse(readFileSync(document as string, 'utf8')) as Json;
    const objects = Object.fromEntries(OPENAPI_OBJECTS.map((name) => [name, openApiRequired(spec, name)]));
    if (process.env.LONGHAUL_WRITE_OPENAPI_EXTRACT) {
      // one line per field: kinds stay on the line of their field
      const text = JSON.stringify({ ...openApi, objects }, null, 2).replace(/\[\s+([^[\]]*?)\s+\]/g, (_all, kinds: string) => `[${kinds.replace(/\s+/g, ' ')}]`);
      writeFileSync(EXTRACT_FILE, `${text}\n`);
    }
    expect(objects).toEqual(openApi.objects);
  });
});
