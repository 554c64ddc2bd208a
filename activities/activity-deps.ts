import type { RequestBuilders } from '../src/dataset/request-renderer';
import type { ProviderRegistry } from '../src/providers/provider-registry';
import type { PriceTable } from '../src/report/price-table';
import type { ResultStore } from '../src/results/result-store';
import type { BlobStore } from '../src/storage/blob-store';

/** Everything activities touch, built once per worker process from the configuration (src/worker). */
export interface ActivityDeps {
  blobs: BlobStore;
  store: ResultStore;
  providers: ProviderRegistry;
  prices: PriceTable;
  builders: RequestBuilders;
  /** Threads for large datasets and result files (prepare's and collect's `threads.count`); unset: their default. */
  threads?: number;
  /** This worker's stores, as storageIdentity names them: jobs record it, activities check it. */
  storage?: string;
  /**
   * Progress-free time (ms) after which any activity stops heartbeating so Temporal retries it; unset: each
   * step's STALL_BOUNDS_MS (keepalive.ts). Must stay above the provider accounts' timeoutMs (flexTimeoutMs for
   * the sync tiers): a single call moves no counter.
   */
  stallMs?: number;
}
