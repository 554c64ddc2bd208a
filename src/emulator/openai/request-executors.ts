import { ApiError } from '../http/api-error';
import { parseWith } from '../http/http-io';
import type { IdKind } from '../ids';
import { answer, embed, embeddingBase64 } from '../model/deterministic-model';
import type { JsonSchema } from '../model/schema-answer';
import { estimateTokens } from '../model/text-features';
import {
  ChatCompletionBodySchema, EmbeddingsBodySchema, ResponsesBodySchema, contentText, type OpenAIRequestEndpoint,
} from './request-schemas';

/** What one execution needs besides the body. */
export interface ExecutionContext {
  /** Emulated now, unix seconds (the `created` of the answer). */
  nowSeconds: number;
  /** Ids for the answer objects (derived per batch line, fresh for synchronous calls). */
  idFor(kind: IdKind): string;
  /** Spoil a schema-constrained answer (scenario fault). */
  breakSchema: boolean;
  embeddingDimensions: number;
}

/** An answered request: the response body and its token usage. */
export interface Execution {
  body: Record<string, unknown>;
  model: string;
  promptTokens: number;
  completionTokens: number;
}

/**
 * Answers one OpenAI request body for `endpoint` with the deterministic model, exactly as the endpoint
 * would. Throws ApiError (400) for a body the endpoint refuses.
 */
export function executeOpenAIRequest(endpoint: OpenAIRequestEndpoint, body: unknown, ctx: ExecutionContext): Execution {
  switch (endpoint) {
    case '/v1/chat/completions': return chatCompletion(body, ctx);
    case '/v1/responses': return response(body, ctx);
    case '/v1/embeddings': return embeddings(body, ctx);
  }
}

/** The word JSON mode needs in the prompt; the real API refuses a json_object request without it. */
const JSON_WORD = /json/i;

function chatCompletion(raw: unknown, ctx: ExecutionContext): Execution {
  const body = parseWith(ChatCompletionBodySchema, raw);
  if (body.stream) throw new ApiError(400, 'invalid_request', 'Streaming is not supported by the emulator.', null, 'stream');
  const format = body.response_format;
  const schema = format?.type === 'json_schema' ? (format.json_schema.schema as JsonSchema | undefined) ?? {} : undefined;
  const jsonMode = format?.type === 'json_object';
  const { instructions, content } = splitTurns(body.messages);
  if (jsonMode && !JSON_WORD.test(instructions) && !JSON_WORD.test(content)) {
    throw new ApiError(400, 'invalid_request', "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.", null, 'messages');
  }
  const result = answer({ instructions, content, body, schema, jsonMode, maxOutputTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined, breakSchema: ctx.breakSchema });
  const choices = Array.from({ length: body.n ?? 1 }, (_, index) => ({
    index,
    message: { role: 'assistant', content: result.text, refusal: null, annotations: [] },
    logprobs: null,
    finish_reason: result.truncated ? 'length' : 'stop',
  }));
  const completionTokens = result.completionTokens * choices.length;
  return {
    model: body.model,
    promptTokens: result.promptTokens,
    completionTokens,
    body: {
      id: ctx.idFor('chatcmpl'),
      object: 'chat.completion',
      created: ctx.nowSeconds,
      model: body.model,
      choices,
      usage: {
        prompt_tokens: result.promptTokens,
        completion_tokens: completionTokens,
        total_tokens: result.promptTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
      service_tier: body.service_tier ?? 'default',
      system_fingerprint: 'fp_longhaul_emulator',
    },
  };
}

function response(raw: unknown, ctx: ExecutionContext): Execution {
  const body = parseWith(ResponsesBodySchema, raw);
  if (body.stream) throw new ApiError(400, 'invalid_request', 'Streaming is not supported by the emulator.', null, 'stream');
  const format = body.text?.format;
  const schema = format?.type === 'json_schema' ? (format.schema as JsonSchema) : undefined;
  const jsonMode = format?.type === 'json_object';
  const turns = typeof body.input === 'string' ? { instructions: '', content: body.input } : splitTurns(body.input);
  // instructions do not count: the real API looks for the word in the input messages only
  if (jsonMode && !JSON_WORD.test(turns.instructions) && !JSON_WORD.test(turns.content)) {
    throw new ApiError(400, 'invalid_request', "Response input messages must contain the word 'json' in some form to use 'text.format' of type 'json_object'.", null, 'text.format');
  }
  const instructions = [body.instructions ?? '', turns.instructions].filter(Boolean).join('\n');
  const result = answer({ instructions, content: turns.content, body, schema, jsonMode, maxOutputTokens: body.max_output_tokens ?? undefined, breakSchema: ctx.breakSchema });
  return {
    model: body.model,
    promptTokens: result.promptTokens,
    completionTokens: result.completionTokens,
    body: {
      id: ctx.idFor('resp'),
      object: 'response',
      created_at: ctx.nowSeconds,
      status: result.truncated ? 'incomplete' : 'completed',
      completed_at: result.truncated ? null : ctx.nowSeconds,
      incomplete_details: result.truncated ? { reason: 'max_output_tokens' } : null,
      error: null,
      model: body.model,
      instructions: body.instructions ?? null,
      metadata: body.metadata ?? {},
      output: [{
        type: 'message',
        id: ctx.idFor('msg_out'),
        status: result.truncated ? 'incomplete' : 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: result.text, annotations: [], logprobs: [] }],
      }],
      parallel_tool_calls: body.parallel_tool_calls ?? true,
      temperature: body.temperature ?? 1,
      top_p: body.top_p ?? 1,
      tool_choice: 'auto',
      tools: [],
      text: body.text ?? { format: { type: 'text' } },
      max_output_tokens: body.max_output_tokens ?? null,
      previous_response_id: null,
      reasoning: { effort: null, summary: null },
      truncation: 'disabled',
      service_tier: body.service_tier ?? 'default',
      usage: {
        input_tokens: result.promptTokens,
        input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
        output_tokens: result.completionTokens,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: result.promptTokens + result.completionTokens,
      },
    },
  };
}

/**
 * Chat messages or Responses input items as the model reads them: user turns (and role-less input items) are
 * the item's own text; system, developer and assistant turns are instructions every item shares.
 */
function splitTurns(turns: readonly { role?: string | undefined; content?: unknown }[]): { instructions: string; content: string } {
  const instructions: string[] = [];
  const content: string[] = [];
  for (const turn of turns) {
    const text = contentText(turn.content);
    if (text) (turn.role === undefined || turn.role === 'user' ? content : instructions).push(text);
  }
  return { instructions: instructions.join('\n'), content: content.join('\n') };
}

function embeddings(raw: unknown, ctx: ExecutionContext): Execution {
  const body = parseWith(EmbeddingsBodySchema, raw);
  const inputs: string[] = typeof body.input === 'string' ? [body.input]
    : body.input.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
  const dimensions = body.dimensions ?? ctx.embeddingDimensions;
  const promptTokens = inputs.reduce((sum, text) => sum + estimateTokens(text), 0);
  return {
    model: body.model,
    promptTokens,
    completionTokens: 0,
    body: {
      object: 'list',
      model: body.model,
      data: inputs.map((text, index) => {
        const vector = embed(text, dimensions);
        return { object: 'embedding', index, embedding: body.encoding_format === 'base64' ? embeddingBase64(vector) : vector };
      }),
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    },
  };
}
