import type { Endpoint } from '../../spec/job-spec';
import type { RenderedPrompt, RequestShape } from '../batch-provider';

/**
 * OpenAI request bodies per endpoint, and batch input lines. Shared by OpenAI, Azure OpenAI and
 * OpenAI-compatible hosts.
 */

type Messages = Extract<RenderedPrompt, { messages: unknown }>['messages'];

/** OpenAI's strict structured outputs need every object closed and every property required. */
export function isStrictCompatible(schema: unknown): boolean {
  if (schema === null || typeof schema !== 'object') return true;
  const node = schema as Record<string, unknown>;
  if (node.type === 'object' || node.properties) {
    const props = Object.keys((node.properties as object | undefined) ?? {});
    const required = new Set((node.required as string[] | undefined) ?? []);
    if (node.additionalProperties !== false || props.some((p) => !required.has(p))) return false;
  }
  return Object.values(node).every((child) =>
    Array.isArray(child) ? child.every(isStrictCompatible) : typeof child === 'object' ? isStrictCompatible(child) : true,
  );
}

function promptText(prompt: RenderedPrompt): string {
  if ('input' in prompt) return prompt.input;
  if ('messages' in prompt) return prompt.messages.map((m) => m.content).join('\n\n');
  return '';
}

function messagesOf(prompt: RenderedPrompt): Messages {
  if ('messages' in prompt) return prompt.messages;
  if ('input' in prompt) return [{ role: 'user', content: prompt.input }];
  return [];
}

export function buildOpenAiBody(prompt: RenderedPrompt, shape: RequestShape): Record<string, unknown> {
  if ('body' in prompt) return { model: shape.model, ...shape.params, ...prompt.body };
  const schema = shape.outputSchema;
  const strict = schema ? isStrictCompatible(schema.schema) : false;
  switch (shape.endpoint) {
    case '/v1/chat/completions':
      return {
        model: shape.model,
        messages: messagesOf(prompt),
        ...shape.params,
        ...(schema ? { response_format: { type: 'json_schema', json_schema: { name: schema.name, schema: schema.schema, strict } } } : {}),
      };
    case '/v1/responses':
      return {
        model: shape.model,
        input: messagesOf(prompt),
        ...shape.params,
        ...(schema ? { text: { format: { type: 'json_schema', name: schema.name, schema: schema.schema, strict } } } : {}),
      };
    case '/v1/embeddings':
      return { model: shape.model, input: promptText(prompt), ...shape.params };
    case '/v1/messages':
      throw new Error('the /v1/messages endpoint belongs to Anthropic; OpenAI takes /v1/chat/completions, /v1/responses or /v1/embeddings');
  }
}

export function openAiBatchLine(customId: string, bodyJson: string, endpoint: Endpoint): string {
  return `{"custom_id":${JSON.stringify(customId)},"method":"POST","url":"${endpoint}","body":${bodyJson}}`;
}

export function parseOpenAiBatchLine(line: string): { customId: string; body: Record<string, unknown> } {
  const parsed = JSON.parse(line) as { custom_id: string; body: Record<string, unknown> };
  return { customId: parsed.custom_id, body: parsed.body };
}

/** Appends a user message that names what was wrong with the last answer (responses: an input item). */
export function withOpenAiRepairHint(body: Record<string, unknown>, hint: string, endpoint: Endpoint): Record<string, unknown> {
  const note = { role: 'user', content: `Your previous answer was rejected: ${hint}. Answer again, following the required format exactly.` };
  if (endpoint === '/v1/chat/completions' && Array.isArray(body.messages)) return { ...body, messages: [...body.messages, note] };
  if (endpoint === '/v1/responses') {
    const input = Array.isArray(body.input) ? body.input : [{ role: 'user', content: String(body.input ?? '') }];
    return { ...body, input: [...input, note] };
  }
  return body;
}
