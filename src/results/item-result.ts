/** Why an item did not get an answer, in our terms; providers map their codes here. */
export type ItemErrorKind =
  | 'invalid_request' // the request itself is wrong: permanent
  | 'server_error' // provider 5xx: retryable
  | 'rate_limited' // 429 inside a batch: retryable
  | 'expired' // the batch window ran out first: retryable
  | 'provider_cancelled' // cancelled by the provider or by us: retryable unless the job is cancelled
  | 'auth'; // key or permission problems: permanent

/** One item's raw result from a provider: an answer body, or an error. */
export type ItemResult =
  | { customId: string; ok: true; body: unknown }
  | { customId: string; ok: false; error: { kind: ItemErrorKind; code?: string; message: string; status?: number } };
