import { z } from 'zod';
import type { EmulatorContext } from '../emulator-context';
import { ApiError } from '../http/api-error';
import { delay, parseWith, readJson, sendJson } from '../http/http-io';
import type { Router } from '../http/router';
import { newId, type IdKind } from '../ids';
import { answer } from '../model/deterministic-model';
import type { JsonSchema } from '../model/schema-answer';
import { recordSyncRequest } from '../submissions';

const block = z.looseObject({ type: z.string(), text: z.string().optional() });

/** Message creation params, as far as the emulator reads them (unknown fields pass through). */
export const MessageParamsSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z.array(z.looseObject({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(block)]) })).min(1),
  system: z.union([z.string(), z.array(block)]).optional(),
  tools: z.array(z.looseObject({ name: z.string().min(1), description: z.string().optional(), input_schema: z.record(z.string(), z.unknown()).optional() })).optional(),
  tool_choice: z.looseObject({ type: z.enum(['auto', 'any', 'tool', 'none']), name: z.string().optional() }).optional(),
  output_format: z.looseObject({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) }).optional(),
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
 * with tools) answers with a tool_use block whose input is valid against the tool's input_schema;
 * `output_format` json_schema answers JSON text. Throws ApiError (400) for params the API refuses.
 */
export function executeMessage(raw: unknown, ctx: MessageContext): { body: Record<string, unknown>; promptTokens: number; completionTokens: number } {
  const params = parseWith(MessageParamsSchema, raw);
  const tool = forcedTool(params);
  const schema = (tool ? tool.input_schema ?? { type: 'object', properties: {} } : params.output_format?.schema) as JsonSchema | undefined;
  const promptText = [textOf(params.system), ...params.messages.map((m) => textOf(m.content))].filter(Boolean).join('\n');
  const result = answer({ promptText, body: params, schema, maxOutputTokens: params.max_tokens, breakSchema: ctx.breakSchema });
  const content = tool
    ? [{ type: 'tool_use', id: ctx.idFor('toolu'), name: tool.name, input: isObject(result.json) ? result.json : {} }]
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
      usage: {
        input_tokens: result.promptTokens,
        output_tokens: result.completionTokens,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        service_tier: ctx.serviceTier,
      },
    },
  };
}

function forcedTool(params: MessageParams): NonNullable<MessageParams['tools']>[number] | undefined {
  const choice = params.tool_choice;
  if (!choice || !params.tools?.length) return undefined;
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
    sendJson(res, 200, result.body, { 'request-id': newId(emu.store, 'req') });
  });
}
