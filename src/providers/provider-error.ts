/**
 * How a provider call failed, as data. Adapters turn their SDK's errors into this in one place each
 * (openai/openai-errors.ts, ...); activities turn it into a Temporal failure in one place
 * (activities/failures.ts). Nothing else inspects HTTP statuses.
 */
export type ProviderErrorKind =
  | 'rate_limited' // 429 and the like: retry after `retryAfterMs`
  | 'quota_exceeded' // enqueued-token or queue quota: wait for running batches to drain, then retry
  | 'server_error' // 5xx, overloaded: retry with backoff
  | 'timeout' // no answer in time: retry
  | 'network' // connection refused/reset: retry
  | 'not_found' // the object does not exist (may be transient right after create)
  | 'invalid_request' // 400-class: retrying the same request cannot help
  | 'auth' // 401/402/403: configuration or billing, not the request
  | 'conflict' // 409: the object's state conflicts with the call (the official SDKs retry it): retry
  | 'unavailable'; // flex capacity (429 resource_unavailable): back off or change tier

/**
 * What an HTTP status means, the same for every provider: each adapter's table (openai-errors.ts,
 * anthropic-errors.ts) reads its API's error codes first (quota, flex capacity, billing) and falls back on this.
 * Retryable as the official SDKs retry (408, 409, 429, 5xx), plus 404 (an object just created may not be
 * visible yet); 400-class others are the request's fault, 401/402/403 the account's.
 */
export function kindOfStatus(status: number | undefined): ProviderErrorKind {
  if (status === undefined) return 'network';
  if (status === 429) return 'rate_limited';
  if (status === 408) return 'timeout';
  if (status === 409) return 'conflict';
  if (status === 401 || status === 402 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status >= 500) return 'server_error';
  return 'invalid_request';
}

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly kind: ProviderErrorKind,
    message: string,
    readonly details: { status?: number; code?: string; retryAfterMs?: number; provider?: string } = {},
  ) {
    super(message);
  }

  /** Whether the same call may succeed later. */
  get retryable(): boolean {
    return this.kind !== 'invalid_request' && this.kind !== 'auth';
  }
}
