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
  'azure-openai': {
    maxRequestsPerBatch: 100_000,
    maxBytesPerBatch: 200 * 1024 * 1024,
    maxBatchCreatesPerHour: 0,
    completionWindowHours: 24,
    expectedCompletionHours: 8,
    resultRetentionDays: 30,
  },
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
  anthropic: { endpoints: ['/v1/messages'], batch: true, flex: false, realtime: true, batchMetadata: false },
} as const satisfies Record<string, ProviderCapabilities>;

/** Bytes kept free under a provider's per-file maximum (multipart framing, rounding). */
export const BATCH_BYTES_MARGIN = 0.98;
