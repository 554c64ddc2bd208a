import type { MetricsExporterConfig } from '@temporalio/worker';

/**
 * Longhaul's own Prometheus metrics: names, labels and help text in one place. They live in a prom-client
 * registry (process-metrics.ts) because the SDK's meter has integer counters only (cost is a float in dollars)
 * and appends units to names. The worker's `/metrics` serves them after the SDK's runtime metrics (`temporal_*`)
 * and the process and Node.js metrics (metrics-endpoint.ts). No job id label (unbounded cardinality): find jobs
 * in the Temporal UI.
 */
export const METRICS = {
  items: {
    name: 'longhaul_items_total',
    help: 'Items collected from provider batches, by outcome (succeeded, failed, retryable, cancelled)',
    labelNames: ['provider', 'model', 'tier', 'outcome'],
  },
  tokens: {
    name: 'longhaul_tokens_total',
    help: 'Tokens used by collected items, by direction (in = prompt, out = completion)',
    labelNames: ['provider', 'model', 'tier', 'direction'],
  },
  cost: {
    name: 'longhaul_cost_dollars_total',
    help: 'Cost of collected items in US dollars, at the prices of the tier used',
    labelNames: ['provider', 'model', 'tier'],
  },
  shards: {
    name: 'longhaul_shards_collected_total',
    help: 'Shards whose results were collected',
    labelNames: ['provider', 'model', 'tier'],
  },
  batchLatency: {
    name: 'longhaul_batch_latency_seconds',
    help: 'Seconds from a provider batch being created (the provider\'s created_at) to Longhaul collecting it, by final phase',
    labelNames: ['provider', 'model', 'tier', 'phase'],
    /** Batches take seconds on the emulator and up to the 24 h window on real providers. */
    buckets: [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 43_200, 86_400, 172_800],
  },
  providerHttpErrors: {
    name: 'longhaul_provider_http_errors_total',
    help: 'Provider API calls that failed, by provider and code: the HTTP status (429, 500, ...), or network / timeout when no response came',
    labelNames: ['provider', 'code'],
  },
  providerRateLimited: {
    name: 'longhaul_provider_rate_limited_total',
    help: 'Provider API calls answered 429, by provider and the provider\'s error code (rate_limit_exceeded, token_limit_exceeded, ...; unknown when the body has none)',
    labelNames: ['provider', 'code'],
  },
  workerInfo: {
    name: 'longhaul_worker_info',
    help: 'Always 1 while a Longhaul worker runs; labels say its task queue, namespace and version',
    labelNames: ['task_queue', 'namespace', 'version'],
  },
  jobsRunning: {
    name: 'longhaul_jobs_running',
    help: 'Jobs running now (global: read from Temporal, the same on every worker; aggregate with max)',
    labelNames: ['provider', 'model'],
  },
  batchesOpen: {
    name: 'longhaul_batches_open',
    help: 'Shards of running jobs in flight, from submit to collect (each holds one provider batch, or one shard of realtime calls); global, aggregate with max',
    labelNames: ['provider', 'model', 'tier'],
  },
  enqueuedTokens: {
    name: 'longhaul_enqueued_estimated_tokens',
    help: 'Estimated prompt tokens of requests submitted to providers and not yet collected; global, aggregate with max',
    labelNames: ['provider', 'model', 'tier'],
  },
  jobItems: {
    name: 'longhaul_job_items',
    help: 'Items of running jobs by state (succeeded, failed, cancelled, cached, retrying, pending); global, aggregate with max',
    labelNames: ['provider', 'model', 'state'],
  },
  liveStateAge: {
    name: 'longhaul_live_state_age_seconds',
    help: 'Age of the live-state gauges (jobs, batches, enqueued tokens, items) at scrape time; absent until the first read from Temporal succeeds',
    labelNames: [],
  },
} as const;

/** Default host the metrics endpoint binds to: all interfaces, so a scraper in another container reaches it. */
export const DEFAULT_METRICS_HOST = '0.0.0.0';

/**
 * The SDK's Prometheus exporter settings, on an internal address the merged endpoint reads: counters end in
 * `_total`, durations are seconds and histogram names carry their unit (`temporal_activity_execution_latency_seconds`).
 */
export function coreExporter(bindAddress: string): MetricsExporterConfig {
  return { prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } };
}

/** The URL a scraper reads, for messages (`0.0.0.0` is shown as localhost). */
export function metricsUrl(port: number, host = DEFAULT_METRICS_HOST): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shown}:${port}/metrics`;
}
