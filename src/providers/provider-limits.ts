import type { ProviderCapabilities, ProviderLimits } from './batch-provider';

/**
 * Published limits (../shared/PROVIDERS.md, late 2026). Data, not branches: adapters read their row, and a
 * user can override any number through the worker configuration when a provider changes it.
 */
export const PROVIDER_LIMITS = {
  openai: {
    maxRequestsPerBatch: 50_000,
    maxBytesPerBatch: 200 * 1024 * 1024,
    maxBatchCreatesPerHour: 2_000,
    completionWindowHours: 24,
    expectedCompletionHours: 6,
    resultRetentionDays: 30,
  },
  // Azure Global Batch: 24 h is a target; Microsoft's batch guide says jobs that take longer keep running
  // until cancelled, so deadline planning must cancel, not wait for an expiry. 500 input files per resource.
  'azure-openai': {
    maxRequestsPerBatch: 100_000,
    maxBytesPerBatch: 200 * 1024 * 1024,
    maxBatchCreatesPerHour: 0,
    completionWindowHours: 24,
    expectedCompletionHours: 8,
    resultRetentionDays: 30,
  },
  // Any OpenAI-style batch host by baseURL (Together, Groq, Fireworks, vLLM). One row for all of them, with
  // the strictest numbers PROVIDERS.md documents (Together: 50,000 requests / 100 MB). Groq, Fireworks and
  // vLLM get no row of their own: their limits are not documented there, and invented numbers would be
  // worse than a conservative shared row. Override per deployment when a host allows more.
  'openai-compatible': {
    maxRequestsPerBatch: 50_000,
    maxBytesPerBatch: 100 * 1024 * 1024,
    maxBatchCreatesPerHour: 0,
    completionWindowHours: 24,
    expectedCompletionHours: 6,
    resultRetentionDays: 30,
  },
  anthropic: {
    maxRequestsPerBatch: 100_000,
    maxBytesPerBatch: 256 * 1024 * 1024,
    maxBatchCreatesPerHour: 0,
    completionWindowHours: 24,
    expectedCompletionHours: 1,
    resultRetentionDays: 29,
  },
} as const satisfies Record<string, ProviderLimits>;

const OPENAI_ENDPOINTS = ['/v1/chat/completions', '/v1/responses', '/v1/embeddings'] as const;

export const PROVIDER_CAPABILITIES = {
  openai: { endpoints: OPENAI_ENDPOINTS, batch: true, flex: true, realtime: true, batchMetadata: true },
  'azure-openai': { endpoints: OPENAI_ENDPOINTS, batch: true, flex: false, realtime: true, batchMetadata: true },
  'openai-compatible': { endpoints: OPENAI_ENDPOINTS, batch: true, flex: false, realtime: true, batchMetadata: true },
  // Anthropic has no flex tier: its adapter refuses `tier: 'flex'` (invalid_request) instead of paying full price.
  anthropic: { endpoints: ['/v1/messages'], batch: true, flex: false, realtime: true, batchMetadata: false },
} as const satisfies Record<string, ProviderCapabilities>;

/** Bytes kept free under a provider's per-file maximum (multipart framing, rounding). */
export const BATCH_BYTES_MARGIN = 0.98;
