import OpenAI, { AzureOpenAI } from 'openai';
import type { ProviderConnection } from '../config/longhaul-config';
import type { ProviderName } from '../spec/job-spec';
import type { BatchProvider } from './batch-provider';
import { OpenAiBatchProvider } from './openai/openai-batch-provider';
import { PROVIDER_CAPABILITIES, PROVIDER_LIMITS } from './provider-limits';

export class ProviderConfigError extends Error {
  override readonly name = 'ProviderConfigError';
}

/** Builds (once) and hands out the BatchProvider for a provider and account. */
export interface ProviderRegistry {
  get(provider: ProviderName, account?: string): BatchProvider;
  /** The connection settings used for an account (no secrets logged from here). */
  connection(provider: ProviderName, account?: string): ProviderConnection;
}

type Factory = (connection: ProviderConnection) => BatchProvider;

function openAiFactory(name: 'openai' | 'openai-compatible'): Factory {
  return (c) => {
    if (name === 'openai-compatible' && !c.baseURL) throw new ProviderConfigError('openai-compatible needs a baseURL (LONGHAUL_COMPATIBLE_BASE_URL)');
    const client = new OpenAI({
      apiKey: c.apiKey,
      ...(c.baseURL ? { baseURL: c.baseURL } : {}),
      ...(c.organization ? { organization: c.organization } : {}),
      maxRetries: 0,
      timeout: c.timeoutMs,
    });
    return new OpenAiBatchProvider(client, name, PROVIDER_LIMITS[name], PROVIDER_CAPABILITIES[name], c.flexTimeoutMs);
  };
}

const FACTORIES: Record<ProviderName, Factory | undefined> = {
  openai: openAiFactory('openai'),
  'openai-compatible': openAiFactory('openai-compatible'),
  'azure-openai': (c) => {
    if (!c.baseURL) throw new ProviderConfigError('azure-openai needs an endpoint (AZURE_OPENAI_ENDPOINT)');
    const client = new AzureOpenAI({ endpoint: c.baseURL, apiKey: c.apiKey, apiVersion: c.apiVersion, maxRetries: 0, timeout: c.timeoutMs });
    return new OpenAiBatchProvider(client, 'azure-openai', PROVIDER_LIMITS['azure-openai'], PROVIDER_CAPABILITIES['azure-openai'], c.flexTimeoutMs);
  },
  anthropic: undefined,
};

/**
 * A registry over configured accounts. Providers are built lazily, so a worker without an Anthropic key
 * still runs OpenAI jobs; a job that needs a missing one fails with a ProviderConfigError that says which.
 */
export function createProviderRegistry(
  accounts: Readonly<Record<string, ProviderConnection>>,
  extraFactories: Partial<Record<ProviderName, Factory>> = {},
): ProviderRegistry {
  const built = new Map<string, BatchProvider>();
  const connection = (provider: ProviderName, account?: string): ProviderConnection => {
    const name = account ?? provider;
    const found = accounts[name];
    if (!found) throw new ProviderConfigError(`no provider account "${name}" is configured`);
    if (found.provider !== provider) throw new ProviderConfigError(`account "${name}" is for ${found.provider}, not ${provider}`);
    if (!found.apiKey) throw new ProviderConfigError(`account "${name}" has no API key (set it in the worker's environment)`);
    return found;
  };
  return {
    connection,
    get(provider, account) {
      const key = `${provider}/${account ?? provider}`;
      let instance = built.get(key);
      if (!instance) {
        const factory = extraFactories[provider] ?? FACTORIES[provider];
        if (!factory) throw new ProviderConfigError(`provider "${provider}" has no adapter in this build`);
        instance = factory(connection(provider, account));
        built.set(key, instance);
      }
      return instance;
    },
  };
}
