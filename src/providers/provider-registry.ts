import type OpenAI from 'openai';
import type { ProviderConnection } from '../config/longhaul-config';
import type { ProviderName } from '../spec/job-spec';
import type * as AnthropicClient from './anthropic/anthropic-client';
import type { BatchProvider } from './batch-provider';
import { OpenAiBatchProvider } from './openai/openai-batch-provider';
import { readOpenAiShardTag } from './openai/openai-shard-tag';
import { azureOpenAiClient, openAiClient } from './provider-clients';
import { ProviderConfigError } from './provider-config-error';
import { PROVIDER_CAPABILITIES, PROVIDER_LIMITS } from './provider-limits';

export { ProviderConfigError } from './provider-config-error';

/** Builds (once) and hands out the BatchProvider for a provider and account. */
export interface ProviderRegistry {
  /** @throws ProviderConfigError for an account that is missing, for another provider, or without a key. */
  get(provider: ProviderName, account?: string): BatchProvider;
  /** The connection settings used for an account (no secrets logged from here). */
  connection(provider: ProviderName, account?: string): ProviderConnection;
  /**
   * The shard attempt id a batch was tagged with at create, read back from the provider: undefined when the
   * batch is unknown (404) or untagged, and always for providers whose batches carry no metadata
   * (capabilities.batchMetadata false: Anthropic). @throws ProviderError for transient failures.
   */
  shardOfBatch(provider: ProviderName, batchId: string, account?: string): Promise<string | undefined>;
}

type Factory = (connection: ProviderConnection) => BatchProvider;

/** An adapter, and for providers with batch metadata, how to read a batch's shard tag. */
interface Built {
  adapter: BatchProvider;
  shardTag?: (batchId: string) => Promise<string | undefined>;
}

type Builder = (connection: ProviderConnection) => Built;

function openAiFamily(name: 'openai' | 'openai-compatible' | 'azure-openai', client: (c: ProviderConnection) => OpenAI): Builder {
  return (c) => {
    const sdk = client(c);
    return {
      adapter: new OpenAiBatchProvider(sdk, name, PROVIDER_LIMITS[name], PROVIDER_CAPABILITIES[name], c.flexTimeoutMs),
      shardTag: (batchId) => readOpenAiShardTag(sdk, batchId, name),
    };
  };
}

/** The only place that knows which adapter serves which provider. */
const BUILDERS: Record<ProviderName, Builder> = {
  openai: openAiFamily('openai', (c) => openAiClient('openai', c)),
  'openai-compatible': openAiFamily('openai-compatible', (c) => openAiClient('openai-compatible', c)),
  'azure-openai': openAiFamily('azure-openai', azureOpenAiClient),
  anthropic: (c) => ({ adapter: anthropicModule().anthropicProvider(c) }),
};

/**
 * Anthropic's adapter and SDK, loaded when a job first needs them: a worker that only runs OpenAI-family jobs
 * never holds them (~11 MB of RSS).
 */
function anthropicModule(): typeof AnthropicClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./anthropic/anthropic-client') as typeof AnthropicClient;
}

/**
 * A registry over configured accounts. Providers are built lazily, so a worker without an Anthropic key
 * still runs OpenAI jobs; a job that needs a missing one fails with a ProviderConfigError that says which.
 * `extraFactories` replace the built-in adapter of a provider (tests, custom hosts); their batches have no
 * readable shard tag.
 */
export function createProviderRegistry(
  accounts: Readonly<Record<string, ProviderConnection>>,
  extraFactories: Partial<Record<ProviderName, Factory>> = {},
): ProviderRegistry {
  const built = new Map<string, Built>();
  const connection = (provider: ProviderName, account?: string): ProviderConnection => {
    const name = account ?? provider;
    const found = accounts[name];
    if (!found) throw new ProviderConfigError(`no provider account "${name}" is configured`);
    if (found.provider !== provider) throw new ProviderConfigError(`account "${name}" is for ${found.provider}, not ${provider}`);
    if (!found.apiKey) throw new ProviderConfigError(`account "${name}" has no API key (set it in the worker's environment)`);
    return found;
  };
  const build = (provider: ProviderName, account?: string): Built => {
    const key = `${provider}/${account ?? provider}`;
    let instance = built.get(key);
    if (!instance) {
      const extra = extraFactories[provider];
      const c = connection(provider, account);
      instance = extra ? { adapter: extra(c) } : BUILDERS[provider](c);
      built.set(key, instance);
    }
    return instance;
  };
  return {
    connection,
    get: (provider, account) => build(provider, account).adapter,
    async shardOfBatch(provider, batchId, account) {
      const { shardTag } = build(provider, account);
      return shardTag ? shardTag(batchId) : undefined;
    },
  };
}
