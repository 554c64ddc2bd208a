import { processMetrics, type LonghaulMetrics } from './process-metrics';

type Fetch = typeof fetch;

/** The provider's error code in a 429 body (`{"error":{"code":...}}` or `{"error":{"type":...}}`), bounded. */
async function rateLimitCode(response: Response): Promise<string> {
  try {
    const body = (await response.clone().json()) as { error?: { code?: unknown; type?: unknown } };
    const code = body.error?.code ?? body.error?.type;
    return typeof code === 'string' && /^[a-z0-9_.-]{1,64}$/i.test(code) ? code : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * A fetch for a provider's SDK client that counts failed calls: `longhaul_provider_http_errors_total{provider,code}`
 * by HTTP status (or `network` / `timeout` when no response came) and `longhaul_provider_rate_limited_total`
 * for 429s by the provider's error code. Every provider call goes through its client's fetch (provider-clients.ts),
 * so this is the one place they are counted, whatever the adapter then makes of the error. Answers pass unchanged.
 */
export function countingFetch(provider: string, metrics: () => LonghaulMetrics = processMetrics, inner: Fetch = fetch): Fetch {
  return async (input, init) => {
    let response: Response;
    try {
      response = await inner(input, init);
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
      metrics().providerHttpErrors.inc({ provider, code: timedOut ? 'timeout' : 'network' });
      throw err;
    }
    if (response.status >= 400) {
      metrics().providerHttpErrors.inc({ provider, code: String(response.status) });
      if (response.status === 429) metrics().providerRateLimited.inc({ provider, code: await rateLimitCode(response) });
    }
    return response;
  };
}
