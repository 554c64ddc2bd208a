import type { Provider } from '../scenario';

/** Provider-neutral error kinds; each provider's formatter names them its own way. */
export type ApiErrorKind = 'invalid_request' | 'not_found' | 'rate_limit' | 'server' | 'too_large' | 'unavailable' | 'conflict';

/**
 * An error answer. Thrown by handlers and turned by the router into the provider's JSON error format with
 * `status` and `headers` (e.g. retry-after on 429).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly kind: ApiErrorKind,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const openaiTypes: Record<ApiErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  not_found: 'invalid_request_error',
  rate_limit: 'requests',
  server: 'server_error',
  too_large: 'invalid_request_error',
  unavailable: 'server_error',
  conflict: 'invalid_request_error',
};

const anthropicTypes: Record<ApiErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  not_found: 'not_found_error',
  rate_limit: 'rate_limit_error',
  server: 'api_error',
  too_large: 'request_too_large',
  unavailable: 'overloaded_error',
  conflict: 'invalid_request_error',
};

/** The error kind an arbitrary HTTP status most likely means. */
export function kindOfStatus(status: number): ApiErrorKind {
  if (status === 404) return 'not_found';
  if (status === 413) return 'too_large';
  if (status === 429) return 'rate_limit';
  if (status === 409) return 'conflict';
  if (status === 529 || status === 503) return 'unavailable';
  return status >= 500 ? 'server' : 'invalid_request';
}

/** OpenAI codes whose error `type` is not the kind's but the code itself (a 429 for an exhausted quota). */
const openaiTypeOfCode: Readonly<Record<string, string>> = {
  insufficient_quota: 'insufficient_quota',
};

/** OpenAI: `{"error": {"message", "type", "param", "code"}}`. */
export function openaiErrorBody(error: ApiError): object {
  const type = (error.code !== null ? openaiTypeOfCode[error.code] : undefined) ?? openaiTypes[error.kind];
  return { error: { message: error.message, type, param: error.param, code: error.code } };
}

/** Anthropic: `{"type": "error", "error": {"type", "message"}, "request_id"}` (the SDK's ErrorResponse). */
export function anthropicErrorBody(error: ApiError, requestId: string | null = null): object {
  return { type: 'error', error: { type: anthropicTypes[error.kind], message: error.message }, request_id: requestId };
}

/** The error body in `provider`'s format; Anthropic's carries `requestId` (the request-id header's value). */
export function errorBodyFor(provider: Provider, error: ApiError, requestId: string | null = null): object {
  return provider === 'openai' ? openaiErrorBody(error) : anthropicErrorBody(error, requestId);
}

/** retry-after (seconds) and retry-after-ms headers, which the official SDKs honour. */
export function retryAfterHeaders(seconds: number): Record<string, string> {
  return { 'retry-after': String(Math.ceil(seconds)), 'retry-after-ms': String(Math.round(seconds * 1000)) };
}
