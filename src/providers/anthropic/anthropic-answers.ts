import { z } from 'zod';
import type { ItemErrorKind, ItemResult } from '../../results/item-result';
import type { ParsedAnswer } from '../batch-provider';

/** Anthropic's error types (`error.type`) in our per-item terms; unknown types count as server errors. */
const KIND_OF_ERROR_TYPE: Readonly<Record<string, ItemErrorKind>> = {
  invalid_request_error: 'invalid_request',
  request_too_large: 'invalid_request',
  not_found_error: 'invalid_request',
  authentication_error: 'auth',
  permission_error: 'auth',
  billing_error: 'auth',
  rate_limit_error: 'rate_limited',
  overloaded_error: 'server_error',
  api_error: 'server_error',
  timeout_error: 'server_error',
};

const ErrorObjectSchema = z.looseObject({ type: z.string(), message: z.string().optional() });

/** `result.error`: an ErrorResponse `{type: 'error', error: {type, message}}` (or, tolerated, the bare object). */
const ErroredSchema = z.looseObject({
  type: z.literal('errored'),
  error: z.looseObject({ type: z.string(), message: z.string().optional(), error: ErrorObjectSchema.optional() }).optional(),
});

/** One line of a Message Batch results file. */
export const AnthropicResultLineSchema = z.looseObject({
  custom_id: z.string().min(1),
  result: z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('succeeded'), message: z.unknown() }),
    ErroredSchema,
    z.looseObject({ type: z.literal('canceled') }),
    z.looseObject({ type: z.literal('expired') }),
  ]),
});

/**
 * One line of a Message Batch results file as an ItemResult: `succeeded` -> the message as the body;
 * `errored` -> its error type classified (invalid_request_error -> invalid_request, rate_limit_error ->
 * rate_limited, overloaded_error / api_error -> server_error, authentication / permission / billing -> auth);
 * `canceled` -> provider_cancelled; `expired` -> expired.
 * @throws Error naming the path and the reason when the line is not JSON of that shape.
 */
export function parseAnthropicResultLine(line: string): ItemResult {
  const parsed = AnthropicResultLineSchema.safeParse(JSON.parse(line));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`not an Anthropic result line: ${issue?.path.join('.') || '(line)'}: ${issue?.message ?? 'invalid'}`);
  }
  const { custom_id: customId, result } = parsed.data;
  switch (result.type) {
    case 'succeeded':
      return { customId, ok: true, body: result.message };
    case 'canceled':
      return { customId, ok: false, error: { kind: 'provider_cancelled', code: 'canceled', message: 'the batch was canceled before this request ran' } };
    case 'expired':
      return { customId, ok: false, error: { kind: 'expired', code: 'expired', message: 'the batch expired before this request ran' } };
    case 'errored': {
      const error = result.error?.error ?? result.error;
      const type = error?.type ?? 'api_error';
      return { customId, ok: false, error: { kind: KIND_OF_ERROR_TYPE[type] ?? 'server_error', code: type, message: error?.message ?? type } };
    }
  }
}

const MessageSchema = z.looseObject({
  content: z.array(z.looseObject({ type: z.string(), text: z.string().optional(), input: z.unknown().optional() })).default([]),
  usage: z.looseObject({ input_tokens: z.number().optional(), output_tokens: z.number().optional() }).optional(),
});

/**
 * The answer and usage of one Message, whichever way the output schema was asked for (buildAnthropicBody):
 * a `tool_use` block (the forced tool) gives its `input` as the output and its JSON as `text`; otherwise the
 * text blocks joined are both (structured outputs answer one text block of JSON, which OutputValidator
 * parses against the job's schema); undefined when there are none. Tokens: `input_tokens` (cache reads and
 * writes are billed differently and not counted here) and `output_tokens`; 0 when absent.
 */
export function extractAnthropicAnswer(body: unknown): ParsedAnswer {
  const parsed = MessageSchema.safeParse(body ?? {});
  if (!parsed.success) return { output: undefined, tokensIn: 0, tokensOut: 0 };
  const { content, usage } = parsed.data;
  const tokens = { tokensIn: usage?.input_tokens ?? 0, tokensOut: usage?.output_tokens ?? 0 };
  const tool = content.find((block) => block.type === 'tool_use');
  if (tool) return { output: tool.input, text: JSON.stringify(tool.input ?? null), ...tokens };
  const texts = content.filter((block) => block.type === 'text' && typeof block.text === 'string').map((block) => block.text as string);
  if (!texts.length) return { output: undefined, ...tokens };
  const text = texts.join('');
  return { output: text, text, ...tokens };
}
