import type { MetricsExporterConfig } from '@temporalio/worker';

/**
 * Longhaul's own Prometheus metrics: names, units and help text in one place. They are recorded through the
 * Temporal SDK's metric meter, so the worker serves them on the same `/metrics` endpoint as the SDK's runtime
 * metrics (`temporal_*`). Ours carry no job id label (unbounded cardinality): find jobs in the Temporal UI.
 */
export const METRICS = {
  items: {
    name: 'longhaul_items_total',
    unit: 'items',
    help: 'Items collected from provider batches, by outcome (succeeded, failed, retryable, cancelled)',
  },
  tokens: {
    name: 'longhaul_tokens_total',
    unit: 'tokens',
    help: 'Tokens used by collected items, by direction (in = prompt, out = completion)',
  },
  cost: {
    name: 'longhaul_cost_microdollars_total',
    unit: 'microdollars',
    help: 'Cost of collected items in millionths of a US dollar, at the prices of the tier used',
  },
  shards: {
    name: 'longhaul_shards_collected_total',
    unit: 'shards',
    help: 'Shards whose results were collected',
  },
  batchLatency: {
    name: 'longhaul_batch_latency_seconds',
    unit: 's',
    help: 'Seconds from a provider batch being created to Longhaul collecting it, by final phase',
    /** Batches take seconds on the emulator and up to the 24 h window on real providers. */
    buckets: [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 43_200, 86_400, 172_800],
  },
  workerInfo: {
    name: 'longhaul_worker_info',
    unit: '',
    help: 'Always 1 while a Longhaul worker runs; labels say its task queue, namespace and version',
  },
} as const;

/** Default host the metrics endpoint binds to: all interfaces, so a scraper in another container reaches it. */
export const DEFAULT_METRICS_HOST = '0.0.0.0';

/**
 * The SDK's Prometheus exporter settings for a port: SDK metrics keep their `temporal_` prefix, ours keep their
 * own names, and the batch latency histogram gets buckets sized for batch windows.
 */
export function prometheusExporter(port: number, host = DEFAULT_METRICS_HOST): MetricsExporterConfig {
  return {
    prometheus: {
      bindAddress: `${host}:${port}`,
      histogramBucketOverrides: { [METRICS.batchLatency.name]: [...METRICS.batchLatency.buckets] },
    },
  };
}

/** The URL a scraper reads, for messages (`0.0.0.0` is shown as localhost). */
export function metricsUrl(port: number, host = DEFAULT_METRICS_HOST): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shown}:${port}/metrics`;
}
