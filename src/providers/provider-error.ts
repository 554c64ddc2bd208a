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
  | 'auth' // 401/403: configuration, not the request
  | 'unavailable'; // flex capacity (429 resource_unavailable): back off or change tier

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
