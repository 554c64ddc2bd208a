import { z } from 'zod';

/**
 * The request bodies of the OpenAI endpoints the emulator answers, as far as it reads them. Unknown fields
 * pass through (the real API accepts many more); what is checked is what the real API also refuses.
 */

const textPart = z.looseObject({ type: z.string(), text: z.string().optional() });
const content = z.union([z.string(), z.array(textPart), z.null()]).optional();

const jsonSchemaFormat = z.looseObject({
  type: z.literal('json_schema'),
  json_schema: z.looseObject({
    name: z.string().min(1).max(64),
    schema: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

export const ChatCompletionBodySchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.looseObject({ role: z.string(), content })).min(1),
  response_format: z.union([jsonSchemaFormat, z.looseObject({ type: z.enum(['text', 'json_object']) })]).optional(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  n: z.number().int().min(1).max(16).nullish(),
  service_tier: z.string().nullish(),
  stream: z.boolean().nullish(),
});
export type ChatCompletionBody = z.infer<typeof ChatCompletionBodySchema>;

const responsesInputItem = z.looseObject({
  role: z.string().optional(),
  type: z.string().optional(),
  content: z.union([z.string(), z.array(textPart)]).optional(),
});

export const ResponsesBodySchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(responsesInputItem)]),
  instructions: z.string().nullish(),
  text: z.looseObject({
    format: z.union([
      z.looseObject({ type: z.literal('json_schema'), name: z.string().min(1), schema: z.record(z.string(), z.unknown()), strict: z.boolean().nullish() }),
      z.looseObject({ type: z.enum(['text', 'json_object']) }),
    ]).optional(),
  }).nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  service_tier: z.string().nullish(),
  stream: z.boolean().nullish(),
});
export type ResponsesBody = z.infer<typeof ResponsesBodySchema>;

export const EmbeddingsBodySchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1), z.array(z.number()).min(1), z.array(z.array(z.number())).min(1)]),
  dimensions: z.number().int().positive().max(8192).optional(),
  encoding_format: z.enum(['float', 'base64']).optional(),
});
export type EmbeddingsBody = z.infer<typeof EmbeddingsBodySchema>;

/** The request endpoints a batch may target, and that answer synchronously. */
export const OPENAI_REQUEST_ENDPOINTS = ['/v1/chat/completions', '/v1/responses', '/v1/embeddings'] as const;
export type OpenAIRequestEndpoint = (typeof OPENAI_REQUEST_ENDPOINTS)[number];

/** Text of a message `content` (string or parts). */
export function contentText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((part) => (typeof part?.text === 'string' ? part.text : '')).filter(Boolean).join('\n');
  return '';
}
