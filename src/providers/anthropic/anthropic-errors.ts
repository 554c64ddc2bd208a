import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import { kindOfStatus, ProviderError, type ProviderErrorKind } from '../provider-error';
import { retryAfterMs } from '../retry-after';

/** A 429 that is about the workspace's batch queue (requests in processing), not about request rate. */
const QUEUE_QUOTA = /batch queue|queue limit|in processing|quota/i;

/** Anthropic's errors that say more than their status; everything else means what its status means (529 overloaded is a 5xx). */
function kindOf(err: APIError): ProviderErrorKind {
  if (err.status === 429 && QUEUE_QUOTA.test(err.apiMessage ?? err.message)) return 'quota_exceeded';
  return kindOfStatus(err.status);
}

/**
 * The one place Anthropic SDK errors become ProviderErrors:
 *   429 -> `rate_limited` with retryAfterMs from retry-after (or `quota_exceeded` when the workspace's batch
 *   queue is full); 529 and 5xx -> `server_error`; 408 and client timeouts -> `timeout`; connection errors ->
 *   `network`; 404 -> `not_found` (retryable: Anthropic answers 404 for a short while right after a create);
 *   409 -> `conflict` (retryable, as on every provider); 401/402/403 -> `auth`; 413 and other 4xx ->
 *   `invalid_request` (kindOfStatus, shared by every adapter). `details.code` is the API's error type
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
