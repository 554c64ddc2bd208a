import type { ActivityDeps } from '../../activities';
import type { LonghaulConfig } from '../config/longhaul-config';
import type { RequestBuilders } from '../dataset/request-renderer';
import { createProviderRegistry, type ProviderRegistry } from '../providers/provider-registry';
import { PriceTable } from '../report/price-table';
import { openResultStore } from '../results/open-result-store';
import { openBlobStore } from '../storage/open-blob-store';
import { storageIdentity } from '../storage/storage-identity';

/**
 * Builds the services activities run on from the configuration: storage, result store, providers, prices. The
 * stores are checked first: a missing bucket, wrong credentials or an unreachable database is refused here.
 * @throws StorageUnavailableError in one line.
 */
export async function createWorkerDeps(
  config: LonghaulConfig,
  options: { builders?: RequestBuilders; providers?: ProviderRegistry } = {},
): Promise<ActivityDeps & { close(): Promise<void> }> {
  const blobs = openBlobStore(config.storage, config.payloadKeys);
  await blobs.check();
  const store = await openResultStore(config.results);
  return {
    blobs,
    store,
    providers: options.providers ?? createProviderRegistry(config.accounts),
    prices: new PriceTable(config.prices),
    builders: options.builders ?? {},
    ...(config.threads !== undefined ? { threads: config.threads } : {}),
    storage: storageIdentity(config),
    close: () => store.close(),
  };
}
