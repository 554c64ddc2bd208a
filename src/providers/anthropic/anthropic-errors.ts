import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { ProviderError, type ProviderErrorKind } from '../provider-error';
import { retryAfterMs } from '../retry-after';

/** A 429 that is about the workspace's batch queue (requests in processing), not about request rate. */
const QUEUE_QUOTA = /batch queue|queue limit|in processing|quota/i;

function kindOf(err: APIError): ProviderErrorKind {
  const status = err.status;
  if (status === undefined) return 'network';
  if (status === 429) return QUEUE_QUOTA.test(err.apiMessage ?? err.message) ? 'quota_exceeded' : 'rate_limited';
  if (status === 408) return 'timeout';
  if (status === 401 || status === 402 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  // 529 overloaded_error, 500 api_error, 502/503/504: the same call may pass later
  if (status >= 500) return 'server_error';
  // 400 invalid_request_error, 409, 413 request_too_large, 422: sending the same request again cannot help
  return 'invalid_request';
}

/**
 * The one place Anthropic SDK errors become ProviderErrors:
 *   429 -> `rate_limited` with retryAfterMs from retry-after (or `quota_exceeded` when the workspace's batch
 *   queue is full); 529 and 5xx -> `server_error`; 408 and client timeouts -> `timeout`; connection errors ->
 *   `network`; 404 -> `not_found` (retryable: Anthropic answers 404 for a short while right after a create);
 *   401/402/403 -> `auth`; 413 and other 4xx -> `invalid_request`. `details.code` is the API's error type
 *   (`rate_limit_error`, `overloaded_error`, `request_too_large`, ...).
 */
export function toAnthropicProviderError(err: unknown, provider = 'anthropic'): ProviderError {
  if (err instanceof ProviderError) return err;
  if (err instanceof APIConnectionTimeoutError) return new ProviderError('timeout', `${provider}: ${err.message}`, { provider });
  // aborted by the caller's signal (activity cancelled, or its deadline passed): the call may be made again
  if (err instanceof APIUserAbortError) return new ProviderError('timeout', `${provider}: ${err.message}`, { provider });
  if (err instanceof APIConnectionError) return new ProviderError('network', `${provider}: ${err.message}`, { provider });
  if (err instanceof APIError) {
    const code = err.errorCode ?? err.type ?? undefined;
    const after = retryAfterMs(err.headers);
    return new ProviderError(kindOf(err), `${provider} ${err.message}`.trim(), {
      provider,
      ...(err.status !== undefined ? { status: err.status } : {}),
      ...(code ? { code } : {}),
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderError('network', `${provider}: ${message}`, { provider });
}
