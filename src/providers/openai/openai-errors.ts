import OpenAI from 'openai';
import { kindOfStatus, ProviderError, type ProviderErrorKind } from '../provider-error';
import { retryAfterMs } from '../retry-after';

const QUOTA_CODES = /token_limit|enqueued|quota|batch_limit/i;


/** OpenAI's error codes that say more than their status; everything else means what its status means. */
function kindOf(err: InstanceType<typeof OpenAI.APIError>): ProviderErrorKind {
  const code = err.code ?? '';
  // no credit left on the account: a billing matter that waiting does not clear (unlike a full batch queue)
  if (code === 'insufficient_quota' || err.type === 'insufficient_quota') return 'auth';
  if (QUOTA_CODES.test(code) || QUOTA_CODES.test(err.message)) return 'quota_exceeded';
  if (err.status === 429 && code === 'resource_unavailable') return 'unavailable';
  return kindOfStatus(err.status);
}

/** The one place OpenAI SDK errors become ProviderErrors (also used for Azure and OpenAI-compatible hosts). */
export function toProviderError(err: unknown, provider = 'openai'): ProviderError {
  if (err instanceof ProviderError) return err;
  // an aborted call (the activity was cancelled or ran out of time) may well succeed next time
  if (err instanceof OpenAI.APIUserAbortError) return new ProviderError('timeout', err.message, { provider });
  if (err instanceof OpenAI.APIConnectionTimeoutError) return new ProviderError('timeout', err.message, { provider });
  if (err instanceof OpenAI.APIConnectionError) return new ProviderError('network', err.message, { provider });
  if (err instanceof OpenAI.APIError) {
    const after = retryAfterMs(err.headers);
    return new ProviderError(kindOf(err), `${provider} ${err.status ?? ''} ${err.message}`.trim(), {
      provider,
      ...(err.status !== undefined ? { status: err.status } : {}),
      ...(err.code ? { code: err.code } : {}),
      ...(after !== undefined ? { retryAfterMs: after } : {}),
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderError('network', `${provider}: ${message}`, { provider });
}
