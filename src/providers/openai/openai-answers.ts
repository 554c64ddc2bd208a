import type { Endpoint } from '../../spec/job-spec';
import type { ItemErrorKind, ItemResult } from '../../results/item-result';
import type { ParsedAnswer } from '../batch-provider';

type Json = Record<string, unknown>;

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** The value when it is an array (of possibly anything, null included), else an empty one. */
function arrayOf<T>(value: unknown): Array<T | null | undefined> {
  return Array.isArray(value) ? (value as Array<T | null | undefined>) : [];
}

/** The answer and token usage of one successful OpenAI response body; never throws, whatever the body's shape. */
export function extractOpenAiAnswer(body: unknown, endpoint: Endpoint): ParsedAnswer {
  const b = (body ?? {}) as Json;
  const usage = (b.usage ?? {}) as Json;
  switch (endpoint) {
    case '/v1/embeddings': {
      const data = (b.data as Array<{ embedding?: unknown }> | undefined) ?? [];
      return { output: data[0]?.embedding, tokensIn: num(usage.prompt_tokens), tokensOut: 0 };
    }
    case '/v1/responses': {
      // a body of another shape reads as no text (an invalid answer), never as an error: collect must not throw
      const output = arrayOf<{ type?: string; content?: unknown }>(b.output);
      const text = output
        .filter((o) => o?.type === 'message')
        .flatMap((o) => arrayOf<{ type?: string; text?: string }>(o?.content))
        .filter((c): c is { text: string } => c?.type === 'output_text' && typeof c.text === 'string')
        .map((c) => c.text)
        .join('');
      return { output: text, text, tokensIn: num(usage.input_tokens), tokensOut: num(usage.output_tokens) };
    }
    default: {
      const choice = ((b.choices as Array<{ message?: { content?: string | null } }> | undefined) ?? [])[0];
      const text = choice?.message?.content ?? undefined;
      return { output: text, text, tokensIn: num(usage.prompt_tokens), tokensOut: num(usage.completion_tokens) };
    }
  }
}

function kindOfStatus(status: number): ItemErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500 || status === 408 || status === 409) return 'server_error';
  return 'invalid_request';
}

function kindOfCode(code: string | undefined): ItemErrorKind {
  if (!code) return 'server_error';
  if (code === 'batch_expired') return 'expired';
  if (code === 'batch_cancelled') return 'provider_cancelled';
  if (/rate_limit/.test(code)) return 'rate_limited';
  if (/invalid|not_found|unsupported|too_long|context_length/.test(code)) return 'invalid_request';
  return 'server_error';
}

type ResultLineJson = {
  custom_id: string;
  response: { status_code: number; body?: Json } | null;
  error: { code?: string; message?: string } | null;
};

/** Why a parsed line is not an OpenAI result line (its path and what was expected), or undefined when it is one. */
function shapeProblem(parsed: unknown): string | undefined {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return '(line): expected an object';
  const { custom_id: customId, response, error } = parsed as Partial<Record<keyof ResultLineJson, unknown>>;
  if (typeof customId !== 'string' || !customId) return 'custom_id: expected a non-empty string';
  if (response !== null && response !== undefined && (typeof response !== 'object' || typeof (response as Json).status_code !== 'number')) {
    return 'response.status_code: expected a number';
  }
  if (error !== null && error !== undefined && typeof error !== 'object') return 'error: expected an object or null';
  if ((response === null || response === undefined) && (error === null || error === undefined)) return 'response: expected a response or an error';
  return undefined;
}

/**
 * One line of an OpenAI output or error file. A line with a non-2xx `status_code` is an error even when
 * `error` is null (PROVIDERS.md): always check the status.
 * @throws Error naming the path and the reason when the line is not JSON of that shape (a custom_id string; a
 * response with a numeric status_code, or an error object).
 */
export function parseOpenAiResultLine(line: string): ItemResult {
  const parsed = JSON.parse(line) as ResultLineJson;
  const problem = shapeProblem(parsed);
  if (problem) throw new Error(`not an OpenAI result line: ${problem}`);
  const customId = parsed.custom_id;
  const response = parsed.response;
  if (response && response.status_code >= 200 && response.status_code < 300 && !parsed.error) {
    return { customId, ok: true, body: response.body };
  }
  if (response) {
    const bodyError = (response.body?.error ?? {}) as { code?: string; message?: string };
    return {
      customId,
      ok: false,
      error: {
        kind: kindOfStatus(response.status_code),
        ...(bodyError.code ? { code: bodyError.code } : {}),
        message: bodyError.message ?? parsed.error?.message ?? `HTTP ${response.status_code}`,
        status: response.status_code,
      },
    };
  }
  const code = parsed.error?.code;
  return { customId, ok: false, error: { kind: kindOfCode(code), ...(code ? { code } : {}), message: parsed.error?.message ?? 'no response' } };
}
