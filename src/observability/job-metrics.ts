import type { ShardTally } from '../results/shard-tally';
import { processMetrics, type LonghaulMetrics } from './process-metrics';

/** Labels on job metrics. Bounded values only: no job ids or item ids. */
export interface JobMetricLabels {
  provider: string;
  model: string;
  /** batch, flex or realtime; omitted when unknown. */
  tier?: string;
}

function labelsOf(labels: JobMetricLabels): Record<string, string> {
  return { provider: labels.provider, model: labels.model, ...(labels.tier ? { tier: labels.tier } : {}) };
}

/**
 * Records what collecting one shard produced: items by outcome, tokens in and out, cost in dollars, and one
 * shard. Call it once per successful collect, after the outcomes are stored. Metrics are at-least-once: a
 * collect retried after it recorded (a worker crash at the wrong moment) counts twice; the job report is exact.
 */
export function recordShardCollected(tally: ShardTally, labels: JobMetricLabels, metrics: LonghaulMetrics = processMetrics()): void {
  const base = labelsOf(labels);
  for (const outcome of ['succeeded', 'failed', 'retryable', 'cancelled'] as const) metrics.items.inc({ ...base, outcome }, tally[outcome]);
  metrics.tokens.inc({ ...base, direction: 'in' }, Math.round(tally.tokensIn));
  metrics.tokens.inc({ ...base, direction: 'out' }, Math.round(tally.tokensOut));
  metrics.cost.inc(base, tally.costUsd);
  metrics.shards.inc(base, 1);
}

/**
 * Records how long a provider batch took, from its creation (`createdAtMs`, the provider's clock) to `nowMs`,
 * labelled with its final phase (completed, failed, expired, cancelled). Does nothing without a creation time.
 */
export function recordBatchEnded(
  status: { phase: string; createdAtMs?: number | undefined },
  labels: JobMetricLabels,
  nowMs: number = Date.now(),
  metrics: LonghaulMetrics = processMetrics(),
): void {
  if (status.createdAtMs === undefined) return;
  const seconds = Math.max(0, (nowMs - status.createdAtMs) / 1000);
  metrics.batchLatency.observe({ ...labelsOf(labels), phase: status.phase }, seconds);
}

/** Sets `longhaul_worker_info{task_queue,namespace,version} 1` for a worker that started polling. */
export function recordWorkerStarted(info: { taskQueue: string; namespace: string; version: string }, metrics: LonghaulMetrics = processMetrics()): void {
  metrics.workerInfo.set({ task_queue: info.taskQueue, namespace: info.namespace, version: info.version }, 1);
}
