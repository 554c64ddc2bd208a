import OpenAI, { AzureOpenAI } from 'openai';
import type { ProviderConnection } from '../config/longhaul-config';
import { ProviderConfigError } from './provider-config-error';
import { providerFetch } from './provider-fetch';

/*
 * The official SDK clients of the OpenAI family, built from a configured connection (Anthropic's:
 * anthropic/anthropic-client.ts, loaded only when a job needs it). Every client has `maxRetries: 0`
 * (Temporal owns retries), the connection's `timeoutMs` as its per-request timeout, and providerFetch
 * (provider-fetch.ts: the claim's fence, failed calls counted, streamed uploads not held in memory).
 */

/**
 * OpenAI, or an OpenAI-compatible host (Together, Groq, Fireworks, vLLM) by `baseURL`.
 * @throws ProviderConfigError when an OpenAI-compatible connection has no baseURL.
 */
export function openAiClient(name: 'openai' | 'openai-compatible', c: ProviderConnection): OpenAI {
  if (name === 'openai-compatible' && !c.baseURL) throw new ProviderConfigError('openai-compatible needs a baseURL (LONGHAUL_COMPATIBLE_BASE_URL)');
  return new OpenAI({
    apiKey: c.apiKey,
    ...(c.baseURL ? { baseURL: c.baseURL } : {}),
    ...(c.organization ? { organization: c.organization } : {}),
    maxRetries: 0,
    timeout: c.timeoutMs,
    fetch: providerFetch(name),
  });
}

/**
 * Azure OpenAI: `baseURL` is the resource endpoint (`https://<resource>.openai.azure.com`); the client calls
 * `<endpoint>/openai/...?api-version=<apiVersion>` with an `api-key` header, and routes chat completions and
 * embeddings to `/openai/deployments/<model>/...`, so a spec's model is the deployment name. Batch input lines
 * keep OpenAI's `url: "/v1/chat/completions"` (Microsoft's current batch guide uses it; older examples show
 * `/chat/completions`), and create sends the same value as `endpoint`: the guide says the service reads the
 * input file to choose the API, so the OpenAI adapter runs unchanged.
 * @throws ProviderConfigError without an endpoint or an API version.
 */
export function azureOpenAiClient(c: ProviderConnection): AzureOpenAI {
  if (!c.baseURL) throw new ProviderConfigError('azure-openai needs an endpoint (AZURE_OPENAI_ENDPOINT)');
  if (!c.apiVersion) throw new ProviderConfigError('azure-openai needs an API version (OPENAI_API_VERSION)');
  return new AzureOpenAI({ endpoint: c.baseURL, apiKey: c.apiKey, apiVersion: c.apiVersion, maxRetries: 0, timeout: c.timeoutMs, fetch: providerFetch('azure-openai') });
}
