import { z } from 'zod';
import type { EmulatorContext } from '../emulator-context';
import { ApiError } from '../http/api-error';
import { delay, parseWith, readJson, sendJson } from '../http/http-io';
import type { Router } from '../http/router';
import { newId, type IdKind } from '../ids';
import { answer } from '../model/deterministic-model';
import type { JsonSchema } from '../model/schema-answer';
import { recordSyncRequest } from '../submissions';
import { structuredOutputProblem } from './structured-output-schema';

const block = z.looseObject({ type: z.string(), text: z.string().optional() });
const jsonOutputFormat = z.looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) });

/** Message creation params, as far as the emulator reads them (unknown fields pass through). */
export const MessageParamsSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z.array(z.looseObject({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(block)]) })).min(1),
  system: z.union([z.string(), z.array(block)]).optional(),
  tools: z.array(z.looseObject({ name: z.string().min(1), description: z.string().optional(), input_schema: z.record(z.string(), z.unknown()).optional() })).optional(),
  tool_choice: z.looseObject({ type: z.enum(['auto', 'any', 'tool', 'none']), name: z.string().optional() }).optional(),
  output_config: z.looseObject({ format: jsonOutputFormat.nullish(), effort: z.string().nullish() }).optional(),
  /** The structured-outputs beta's name for output_config.format, still accepted. */
  output_format: jsonOutputFormat.optional(),
  stream: z.boolean().optional(),
  service_tier: z.string().optional(),
});
export type MessageParams = z.infer<typeof MessageParamsSchema>;

export interface MessageContext {
  idFor(kind: IdKind): string;
  breakSchema: boolean;
  serviceTier: string;
}

/**
 * Answers message params with the deterministic model. A forced tool (`tool_choice` of type `tool`, or `any`
 * with tools) answers with a tool_use block whose input is valid against the tool's input_schema; structured
 * outputs (`output_config.format`, or the beta's `output_format`, of type json_schema) answer one text block
 * holding JSON valid against the schema. Throws ApiError (400) for params the API refuses, among them a
 * structured-outputs schema with keywords the API does not support (see structuredOutputProblem).
 */
export function executeMessage(raw: unknown, ctx: MessageContext): { body: Record<string, unknown>; promptTokens: number; completionTokens: number } {
  const params = parseWith(MessageParamsSchema, raw);
  const tool = forcedTool(params);
  const schema = (tool ? tool.input_schema ?? { type: 'object', properties: {} } : structuredOutputSchema(params)) as JsonSchema | undefined;
  const result = answer({ ...turnsOf(params), body: params, schema, maxOutputTokens: params.max_tokens, breakSchema: ctx.breakSchema });
  const content = tool
    ? [{ type: 'tool_use', id: ctx.idFor('toolu'), caller: { type: 'direct' }, name: tool.name, input: isObject(result.json) ? result.json : {} }]
    : [{ type: 'text', text: result.text, citations: null }];
  return {
    promptTokens: result.promptTokens,
    completionTokens: result.completionTokens,
    body: {
      id: ctx.idFor('msg'),
      type: 'message',
      role: 'assistant',
      model: params.model,
      content,
      stop_reason: tool ? 'tool_use' : result.truncated ? 'max_tokens' : 'end_turn',
      stop_sequence: null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage: {
        input_tokens: result.promptTokens,
        output_tokens: result.completionTokens,
        output_tokens_details: { thinking_tokens: 0 },
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
        server_tool_use: null,
        inference_geo: 'global',
        speed: 'standard',
        service_tier: ctx.serviceTier,
      },
    },
  };
}

/**
 * The JSON schema of structured outputs: `output_config.format` (current) or `output_format` (the beta's
 * name). @throws ApiError 400 naming the field, as the API words it, for a schema it refuses.
 */
function structuredOutputSchema(params: MessageParams): Record<string, unknown> | undefined {
  const current = params.output_config?.format;
  const [field, format] = current ? ['output_config.format', current] : ['output_format', params.output_format];
  if (!format) return undefined;
  const problem = structuredOutputProblem(format.schema);
  if (problem) throw new ApiError(400, 'invalid_request', `${field}.schema: ${problem}`);
  return format.schema;
}

/** The system prompt and assistant turns are shared instructions; the user turns are the item's own text. */
function turnsOf(params: MessageParams): { instructions: string; content: string } {
  const user = params.messages.filter((m) => m.role === 'user').map((m) => textOf(m.content)).filter(Boolean);
  const assistant = params.messages.filter((m) => m.role === 'assistant').map((m) => textOf(m.content)).filter(Boolean);
  return { instructions: [textOf(params.system), ...assistant].filter(Boolean).join('\n'), content: user.join('\n') };
}

/**
 * Models that refuse a forced tool call (`tool_choice` any or tool) with a 400: Claude Fable 5.1 and Mythos 5.1
 * (platform.claude.com/docs/en/models/fable-5-1/migration-guide, "Breaking changes"). Data: add a model here.
 */
const FORCED_TOOL_REFUSED = /^claude-(?:fable|mythos)-5-1(?!\d)/;

function forcedTool(params: MessageParams): NonNullable<MessageParams['tools']>[number] | undefined {
  const choice = params.tool_choice;
  if (!choice || !params.tools?.length) return undefined;
  if ((choice.type === 'any' || choice.type === 'tool') && FORCED_TOOL_REFUSED.test(params.model)) {
    throw new ApiError(400, 'invalid_request', 'tool_choice: type "tool" and "any" are not supported for this model.');
  }
  if (choice.type === 'any') return params.tools[0];
  if (choice.type !== 'tool') return undefined;
  const tool = params.tools.find((t) => t.name === choice.name);
  if (!tool) throw new ApiError(400, 'invalid_request', `tool_choice names tool '${choice.name}', which is not in tools.`, null, 'tool_choice');
  return tool;
}

function textOf(content: string | { text?: string | undefined }[] | undefined): string {
  if (typeof content === 'string') return content;
  return (content ?? []).map((b) => b.text ?? '').filter(Boolean).join('\n');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** POST /v1/messages: a synchronous message (no streaming). */
export function registerMessageRoute(router: Router, emu: EmulatorContext): void {
  router.add('anthropic', 'POST', '/v1/messages', async ({ req, res }) => {
    const params = await readJson(req, MessageParamsSchema);
    if (params.stream) throw new ApiError(400, 'invalid_request', 'stream: streaming is not supported by the emulator.');
    const tier = params.service_tier ?? 'standard';
    recordSyncRequest(emu.store.state, 'anthropic', '/v1/messages', params.model, tier);
    emu.store.saveSoon();
    await delay(emu.scenario().sync.latencyMs);
    const result = executeMessage(params, { idFor: (kind) => newId(emu.store, kind), breakSchema: false, serviceTier: 'standard' });
    sendJson(res, 200, result.body);
  });
}
