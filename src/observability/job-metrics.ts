import { asyncLocalStorage, Context } from '@temporalio/activity';
import type { MetricCounter, MetricGauge, MetricHistogram, MetricMeter, MetricTags } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import type { ShardTally } from '../results/shard-tally';
import { METRICS } from './metrics';

/** Labels on job metrics. Bounded values only: no job ids or item ids. */
export interface JobMetricLabels {
  provider: string;
  model: string;
  /** batch, flex or realtime; omitted when unknown. */
  tier?: string;
}

interface Instruments {
  items: MetricCounter;
  tokens: MetricCounter;
  cost: MetricCounter;
  shards: MetricCounter;
  batchLatency: MetricHistogram;
  workerInfo: MetricGauge;
}

const byMeter = new WeakMap<MetricMeter, Instruments>();

function instruments(meter: MetricMeter): Instruments {
  let found = byMeter.get(meter);
  if (!found) {
    const { items, tokens, cost, shards, batchLatency, workerInfo } = METRICS;
    found = {
      items: meter.createCounter(items.name, items.unit, items.help),
      tokens: meter.createCounter(tokens.name, tokens.unit, tokens.help),
      cost: meter.createCounter(cost.name, cost.unit, cost.help),
      shards: meter.createCounter(shards.name, shards.unit, shards.help),
      batchLatency: meter.createHistogram(batchLatency.name, 'float', batchLatency.unit, batchLatency.help),
      workerInfo: meter.createGauge(workerInfo.name, 'int', workerInfo.unit, workerInfo.help),
    };
    byMeter.set(meter, found);
  }
  return found;
}

/**
 * The meter to record on: the runtime's, inside an activity with its namespace, task_queue and activity_type
 * labels. It reaches the endpoint installRuntime opened.
 */
export function currentMeter(): MetricMeter {
  if (asyncLocalStorage.getStore() === undefined) return Runtime.instance().metricMeter;
  // the activity's own meter tags `taskQueue` / `activityType`; Prometheus labels are snake_case, as the SDK's are
  const { namespace, taskQueue, activityType } = Context.current().info;
  return Runtime.instance().metricMeter.withTags({ namespace, task_queue: taskQueue, activity_type: activityType });
}

function tagsOf(labels: JobMetricLabels): MetricTags {
  return { provider: labels.provider, model: labels.model, ...(labels.tier ? { tier: labels.tier } : {}) };
}

/**
 * Records what collecting one shard produced: items by outcome, tokens in and out, cost, and one shard.
 * Call it once per successful collect, after the outcomes are stored. Metrics are at-least-once: a collect
 * retried after it recorded (a worker crash at the wrong moment) counts twice; the job report is exact.
 */
export function recordShardCollected(tally: ShardTally, labels: JobMetricLabels, meter: MetricMeter = currentMeter()): void {
  const m = instruments(meter);
  const tags = tagsOf(labels);
  for (const outcome of ['succeeded', 'failed', 'retryable', 'cancelled'] as const) m.items.add(tally[outcome], { ...tags, outcome });
  m.tokens.add(Math.round(tally.tokensIn), { ...tags, direction: 'in' });
  m.tokens.add(Math.round(tally.tokensOut), { ...tags, direction: 'out' });
  m.cost.add(Math.round(tally.costUsd * 1_000_000), tags);
  m.shards.add(1, tags);
}

/**
 * Records how long a provider batch took, from its creation (`createdAtMs`, the provider's clock) to `nowMs`,
 * labelled with its final phase (completed, failed, expired, cancelled). Does nothing without a creation time.
 */
export function recordBatchEnded(
  status: { phase: string; createdAtMs?: number | undefined },
  labels: JobMetricLabels,
  nowMs: number = Date.now(),
  meter: MetricMeter = currentMeter(),
): void {
  if (status.createdAtMs === undefined) return;
  const seconds = Math.max(0, (nowMs - status.createdAtMs) / 1000);
  instruments(meter).batchLatency.record(seconds, { ...tagsOf(labels), phase: status.phase });
}

/** Sets `longhaul_worker_info{task_queue,namespace,version} 1` for a worker that started polling. */
export function recordWorkerStarted(info: { taskQueue: string; namespace: string; version: string }, meter: MetricMeter = currentMeter()): void {
  instruments(meter).workerInfo.set(1, { task_queue: info.taskQueue, namespace: info.namespace, version: info.version });
}
