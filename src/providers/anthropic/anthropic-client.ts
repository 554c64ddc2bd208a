import Anthropic from '@anthropic-ai/sdk';
import type { ProviderConnection } from '../../config/longhaul-config';
import { providerFetch } from '../provider-fetch';
import { PROVIDER_CAPABILITIES, PROVIDER_LIMITS } from '../provider-limits';
import { AnthropicBatchProvider } from './anthropic-batch-provider';

/**
 * Anthropic's SDK client, as provider-clients.ts builds the OpenAI family's (`maxRetries: 0`, the
 * connection's timeout, providerFetch); `baseURL` defaults to the public API.
 */
export function anthropicClient(c: ProviderConnection): Anthropic {
  return new Anthropic({ apiKey: c.apiKey ?? null, ...(c.baseURL ? { baseURL: c.baseURL } : {}), maxRetries: 0, timeout: c.timeoutMs, fetch: providerFetch('anthropic') });
}

/** The Anthropic adapter for a connection. */
export function anthropicProvider(c: ProviderConnection): AnthropicBatchProvider {
  return new AnthropicBatchProvider(anthropicClient(c), PROVIDER_LIMITS.anthropic, PROVIDER_CAPABILITIES.anthropic);
}
