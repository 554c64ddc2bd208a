import type { Endpoint, OutputSchema } from '../../spec/job-spec';
import type { RenderedPrompt, RequestShape } from '../batch-provider';
import { ProviderError } from '../provider-error';
import { structuredOutputSchema, usesNativeStructuredOutputs } from './anthropic-structured-output';

/**
 * Anthropic Messages request bodies (`POST /v1/messages`, and `params` of a Message Batch request), and
 * the lines of our shard files: one `{"custom_id": ..., "params": {...}}` per line.
 */

/** `max_tokens` is required by the Messages API; this is used when the spec's params do not set it. */
export const DEFAULT_MAX_TOKENS = 1024;

/** Anthropic's custom_id rule (PROVIDERS.md); longer ids get a cryptic 400 from the API. */
export const ANTHROPIC_CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

type Messages = Extract<RenderedPrompt, { messages: unknown }>['messages'];
type Turn = { role: 'user' | 'assistant'; content: string };

/**
 * Spec params as Messages params: OpenAI's names for the output limit (`max_completion_tokens`,
 * `max_output_tokens`) become `max_tokens`, so one spec runs on either provider; `max_tokens` defaults to
 * DEFAULT_MAX_TOKENS. Every other param passes through unchanged (the API refuses unknown ones, per item).
 */
export function anthropicParams(params: Record<string, unknown>): Record<string, unknown> {
  const { max_completion_tokens: completion, max_output_tokens: output, ...rest } = params;
  return { ...rest, max_tokens: rest.max_tokens ?? completion ?? output ?? DEFAULT_MAX_TOKENS };
}

/** System and developer messages become the top-level `system` text (joined by a blank line). */
function splitSystem(messages: Messages): { system: string | undefined; turns: Turn[] } {
  const system = messages.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => m.content);
  const turns = messages.filter((m): m is Turn => m.role === 'user' || m.role === 'assistant').map((m) => ({ role: m.role, content: m.content }));
  return { system: system.length ? system.join('\n\n') : undefined, turns };
}

/**
 * The Messages params for one item. An output schema is asked for with native structured outputs where the
 * model has them (`output_config.format` json_schema, the schema transformed as the official SDK does, next
 * to any `output_config` the spec's params set: see anthropic-structured-output.ts); on other models, or for
 * a schema structured outputs cannot take, it becomes a single tool whose `input_schema` is the schema,
 * forced with `tool_choice: {type: 'tool', name}`. The answer is then the JSON text block, or the tool_use
 * block's input (extractAnthropicAnswer reads both). Deterministic: same input, same body (key order included).
 * @throws Error when the endpoint is not `/v1/messages` (the spec resolver prevents this).
 */
export function buildAnthropicBody(prompt: RenderedPrompt, shape: RequestShape): Record<string, unknown> {
  if (shape.endpoint !== '/v1/messages') {
    throw new Error(`Anthropic serves /v1/messages only, not ${shape.endpoint}`);
  }
  if ('body' in prompt) return { model: shape.model, ...anthropicParams({ ...shape.params, ...prompt.body }) };
  const { system, turns } = splitSystem('messages' in prompt ? prompt.messages : [{ role: 'user', content: prompt.input }]);
  const params = anthropicParams(shape.params);
  return {
    model: shape.model,
    ...params,
    ...(system !== undefined ? { system } : {}),
    messages: turns,
    ...(shape.outputSchema ? schemaParams(shape.model, shape.outputSchema, params.output_config) : {}),
  };
}

/** `output_config` with the structured-outputs format, or the forced tool (see buildAnthropicBody). */
function schemaParams(model: string, output: OutputSchema, outputConfig: unknown): Record<string, unknown> {
  const wire = usesNativeStructuredOutputs(model) ? structuredOutputSchema(output.schema) : undefined;
  if (wire) {
    const config = outputConfig && typeof outputConfig === 'object' ? outputConfig : {};
    return { output_config: { ...config, format: { type: 'json_schema', schema: wire } } };
  }
  return {
    tools: [{ name: output.name, description: 'Record the answer in the required format.', input_schema: output.schema }],
    tool_choice: { type: 'tool', name: output.name },
  };
}

/**
 * One shard-file line: `{"custom_id": ..., "params": <bodyJson>}` (the element of `requests` in a batch
 * create). @throws ProviderError `invalid_request` for a custom_id Anthropic would refuse.
 */
export function anthropicBatchLine(customId: string, bodyJson: string): string {
  if (!ANTHROPIC_CUSTOM_ID.test(customId)) {
    throw new ProviderError('invalid_request', `custom_id ${JSON.stringify(customId)} does not match ${ANTHROPIC_CUSTOM_ID.source}`, { provider: 'anthropic' });
  }
  return `{"custom_id":${JSON.stringify(customId)},"params":${bodyJson}}`;
}

/** Reads back a line made by anthropicBatchLine. */
export function parseAnthropicBatchLine(line: string): { customId: string; body: Record<string, unknown> } {
  const parsed = JSON.parse(line) as { custom_id: string; params: Record<string, unknown> };
  return { customId: parsed.custom_id, body: parsed.params };
}

/** Appends a user turn that names what was wrong with the last answer. */
export function withAnthropicRepairHint(body: Record<string, unknown>, hint: string, _endpoint: Endpoint): Record<string, unknown> {
  const note = { role: 'user', content: `Your previous answer was rejected: ${hint}. Answer again, following the required format exactly.` };
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return { ...body, messages: [...messages, note] };
}
