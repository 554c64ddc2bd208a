import type { ActivityDeps } from '../../activities';
import type { LonghaulConfig } from '../config/longhaul-config';
import type { RequestBuilders } from '../dataset/request-renderer';
import { createProviderRegistry, type ProviderRegistry } from '../providers/provider-registry';
import { PriceTable } from '../report/price-table';
import { SqliteResultStore } from '../results/sqlite-result-store';
import { LocalBlobStore } from '../storage/local-blob-store';

/** Builds the services activities run on from the configuration: storage, result store, providers, prices. */
export function createWorkerDeps(
  config: LonghaulConfig,
  options: { builders?: RequestBuilders; providers?: ProviderRegistry } = {},
): ActivityDeps & { close(): Promise<void> } {
  const store = new SqliteResultStore(config.results.file);
  return {
    blobs: new LocalBlobStore(config.storage.dir),
    store,
    providers: options.providers ?? createProviderRegistry(config.accounts),
    prices: new PriceTable(config.prices),
    builders: options.builders ?? {},
    ...(config.threads !== undefined ? { threads: config.threads } : {}),
    close: () => store.close(),
  };
}
