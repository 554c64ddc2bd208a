import type { Scenario } from '../../src/emulator';

/**
 * The provider faults a schedule injects through the emulator's scenario, by name. Counted faults end by
 * themselves; rates stay until the schedule's next `clear-faults`. Hangs are left out on purpose: a hung call
 * only waits out the client timeout (tens of seconds), which a short schedule cannot afford.
 */
export const PROVIDER_FAULTS = {
  /** Polls of a batch answer 503 a few times. */
  'status-5xx': { endpointFaults: [{ method: 'GET', path: '/v1/batches/*', status: 503, count: 3 }] },
  /** Creates and synchronous calls answer 429 with Retry-After a few times. */
  'rate-limited-429': {
    endpointFaults: [
      { method: 'POST', path: '/v1/batches', status: 429, retryAfterSeconds: 1, count: 2 },
      { method: 'POST', path: '/v1/chat/completions', status: 429, retryAfterSeconds: 1, count: 4 },
    ],
  },
  /** The batch is created, the client sees a 500. */
  'create-lost-500': { createFaults: [{ response: 'status_500', count: 1 }] },
  /** The batch is created, the connection drops before the answer. */
  'create-lost-close': { createFaults: [{ response: 'close', count: 1 }] },
  /** An upload's connection drops. */
  'upload-dropped': { endpointFaults: [{ method: 'POST', path: '/v1/files', action: 'close', count: 1 }] },
  /** The next batch ends `failed` (validation). */
  'batch-failed': { batchFaults: [{ kind: 'fail_validation', count: 1 }] },
  /** The next batch stops half way and expires with partial results. */
  'batch-expired-partial': { batchFaults: [{ kind: 'expire', atFraction: 0.5, count: 1 }] },
  /** Some requests inside batches fail: 500s, rate limits, answers that break the schema. */
  'request-failures': { requestFaults: { serverErrorRate: 0.1, rateLimitRate: 0.05, brokenSchemaRate: 0.1 } },
  /** Flex calls find no capacity half the time. */
  'flex-unavailable': { flex: { latencyMs: 50, unavailableRate: 0.5, retryAfterSeconds: 0.2 } },
} satisfies Record<string, Scenario>;

export type ProviderFaultName = keyof typeof PROVIDER_FAULTS;

/** Every fault section back to none (sent by `clear-faults`). */
export const NO_FAULTS: Scenario = { requestFaults: {}, batchFaults: [], createFaults: [], endpointFaults: [], flex: {} };
