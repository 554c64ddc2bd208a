import { countingFetch } from '../observability/provider-http-metrics';
import { processMetrics } from '../observability/process-metrics';
import { fencedFetch } from './create-fence';

type Fetch = typeof fetch;

/**
 * The fetch of every provider SDK client: re-checks a batch create's claim when the worker was paused since the
 * submit checked it (fencedFetch), counts failed calls by provider and HTTP status (countingFetch), and sends a
 * streamed body without keeping a copy of it (streamedBodyFetch).
 */
export function providerFetch(provider: string): Fetch {
  return fencedFetch(countingFetch(provider, processMetrics, streamedBodyFetch()));
}

/**
 * A fetch that sends a streamed request body (a shard file being uploaded) once, without holding what it sent.
 * Node's fetch (undici 6; nodejs/undici#4058) clones every request so that it could follow a redirect, and
 * cloning tees the body's stream: the branch kept for the redirect holds every chunk read until the request
 * ends, so each upload held its whole shard file (~35 MB for 25,000 requests; four uploads at once in a
 * worker). A stream body cannot follow a redirect anyway (the Fetch standard fails the request: there is
 * nothing to send again), and the standard skips the clone for a request with no window whose redirect mode is
 * "error"; such requests are sent that way. Other requests pass unchanged.
 */
export function streamedBodyFetch(inner: Fetch = fetch): Fetch {
  return (input, init) => (init?.body instanceof ReadableStream ? inner(input, { ...init, redirect: 'error', window: null }) : inner(input, init));
}
