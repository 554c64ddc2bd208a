import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRICS } from './metrics';

/**
 * Longhaul's Prometheus registry: our metrics (metrics.ts) and, in the process-wide one, prom-client's process
 * and Node.js metrics (`process_cpu_seconds_total`, `process_resident_memory_bytes`, `nodejs_heap_size_used_bytes`,
 * `nodejs_eventloop_lag_seconds`, ...), computed when scraped.
 */
export class LonghaulMetrics {
  readonly registry = new Registry();
  readonly items = this.counter(METRICS.items);
  readonly tokens = this.counter(METRICS.tokens);
  readonly cost = this.counter(METRICS.cost);
  readonly shards = this.counter(METRICS.shards);
  readonly providerHttpErrors = this.counter(METRICS.providerHttpErrors);
  readonly providerRateLimited = this.counter(METRICS.providerRateLimited);
  readonly batchLatency = new Histogram({
    name: METRICS.batchLatency.name,
    help: METRICS.batchLatency.help,
    labelNames: [...METRICS.batchLatency.labelNames],
    buckets: [...METRICS.batchLatency.buckets],
    registers: [this.registry],
  });
  readonly workerInfo = this.gauge(METRICS.workerInfo);

  /** @param options.processMetrics also collect prom-client's process and Node.js metrics (once per process). */
  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  private counter(def: { name: string; help: string; labelNames: readonly string[] }): Counter {
    return new Counter({ name: def.name, help: def.help, labelNames: [...def.labelNames], registers: [this.registry] });
  }

  /** A gauge in this registry; `collect` runs at each scrape to set its values. */
  gauge(def: { name: string; help: string; labelNames: readonly string[] }, collect?: (gauge: Gauge) => void | Promise<void>): Gauge {
    return new Gauge({
      name: def.name,
      help: def.help,
      labelNames: [...def.labelNames],
      registers: [this.registry],
      ...(collect ? { collect(this: Gauge) { return collect(this); } } : {}),
    });
  }

  /** The exposition text of everything registered. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

let processWide: LonghaulMetrics | undefined;

/** This process's registry, with the process and Node.js metrics; what the worker's `/metrics` serves. */
export function processMetrics(): LonghaulMetrics {
  processWide ??= new LonghaulMetrics({ processMetrics: true });
  return processWide;
}
