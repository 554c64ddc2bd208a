import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MetricMeter, MetricTags } from '@temporalio/common';
import { freePort } from '../../src/dev/free-port';
import { recordBatchEnded, recordShardCollected, recordWorkerStarted } from '../../src/observability/job-metrics';
import { METRICS } from '../../src/observability/metrics';
import { jsonLogLine } from '../../src/observability/structured-logger';
import { emptyTally } from '../../src/results/shard-tally';
import { testAddress } from '../support/stack';
import { startCli } from './cli-process';

async function scrape(url: string, until: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 20_000;
  let text = '';
  while (Date.now() < deadline) {
    text = await fetch(url).then((r) => r.text(), () => '');
    if (until(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return text;
}

describe('worker metrics and logs', () => {
  it('serves the SDK runtime metrics and ours on --metrics-port, and logs JSON lines with --log-format json', async () => {
    const port = await freePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'longhaul-metrics-'));
    const worker = await startCli(
      ['worker', '--address', testAddress(), '--task-queue', 'metrics-test', '--data-dir', dir, '--metrics-port', String(port), '--log-format', 'json', '--log-level', 'INFO'],
      /longhaul worker ready/,
      { env: { LONGHAUL_WORKFLOW_BUNDLE: process.env.LONGHAUL_TEST_WORKFLOW_BUNDLE ?? '' } },
    );
    try {
      expect(worker.stdout()).toContain(`metrics http://localhost:${port}/metrics`);
      const text = await scrape(`http://127.0.0.1:${port}/metrics`, (t) => /^temporal_worker_start\{/m.test(t) && /^longhaul_worker_info\{/m.test(t));
      expect(text).toMatch(/^temporal_worker_start\{[^}]*task_queue="metrics-test"[^}]*\} 1$/m);
      expect(text).toMatch(/^longhaul_worker_info\{namespace="default",task_queue="metrics-test",version="\d+\.\d+\.\d+"\} 1$/m);
      // the runtime logger buffers briefly (it sorts SDK and core logs by time) before writing
      const deadline = Date.now() + 10_000;
      while (!worker.stderr().includes('Worker state changed') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      const logs = worker.stderr().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(logs).toContainEqual(expect.objectContaining({ level: 'info', message: 'Worker state changed', state: 'RUNNING', taskQueue: 'metrics-test' }));
    } finally {
      expect(await worker.stop()).toBe(0);
    }
  });

  it('formats log entries as one JSON object per line, metadata included', () => {
    const line = jsonLogLine({ level: 'WARN', message: 'slow batch', timestampNanos: 1_764_000_000_000_000_000n, meta: { workflowId: 'longhaul/x', attempt: 2n, level: 'ignored' } });
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({ time: '2025-11-24T16:00:00.000Z', level: 'warn', message: 'slow batch', workflowId: 'longhaul/x', attempt: '2' });
  });
});

/** A meter that records every call, to check names, units, tags and values exactly. */
function recordingMeter() {
  const calls: Array<{ name: string; kind: string; value: number; tags: MetricTags }> = [];
  const instrument = (name: string, kind: string) => {
    const record = (value: number, tags: MetricTags = {}) => void calls.push({ name, kind, value, tags });
    return { name, kind, valueType: 'int', add: record, record, set: record, withTags: () => { throw new Error('unused'); } };
  };
  const meter = {
    createCounter: (name: string) => instrument(name, 'counter'),
    createHistogram: (name: string) => instrument(name, 'histogram'),
    createGauge: (name: string) => instrument(name, 'gauge'),
    withTags: () => meter,
  } as unknown as MetricMeter;
  return { meter, calls };
}

describe('job metrics', () => {
  it('records a collected shard as items by outcome, tokens by direction, cost in microdollars and one shard', () => {
    const { meter, calls } = recordingMeter();
    const tally = { ...emptyTally(), requests: 10, succeeded: 7, failed: 1, retryable: 2, tokensIn: 1200, tokensOut: 340, costUsd: 0.0012345 };
    recordShardCollected(tally, { provider: 'openai', model: 'gpt-4o-mini', tier: 'batch' }, meter);
    const base = { provider: 'openai', model: 'gpt-4o-mini', tier: 'batch' };
    expect(calls).toEqual([
      { name: METRICS.items.name, kind: 'counter', value: 7, tags: { ...base, outcome: 'succeeded' } },
      { name: METRICS.items.name, kind: 'counter', value: 1, tags: { ...base, outcome: 'failed' } },
      { name: METRICS.items.name, kind: 'counter', value: 2, tags: { ...base, outcome: 'retryable' } },
      { name: METRICS.items.name, kind: 'counter', value: 0, tags: { ...base, outcome: 'cancelled' } },
      { name: METRICS.tokens.name, kind: 'counter', value: 1200, tags: { ...base, direction: 'in' } },
      { name: METRICS.tokens.name, kind: 'counter', value: 340, tags: { ...base, direction: 'out' } },
      { name: METRICS.cost.name, kind: 'counter', value: 1235, tags: base },
      { name: METRICS.shards.name, kind: 'counter', value: 1, tags: base },
    ]);
  });

  it('records batch latency from the provider creation time, and nothing without one', () => {
    const { meter, calls } = recordingMeter();
    recordBatchEnded({ phase: 'completed', createdAtMs: 1_000_000 }, { provider: 'anthropic', model: 'claude-haiku-4' }, 1_090_500, meter);
    recordBatchEnded({ phase: 'expired' }, { provider: 'anthropic', model: 'claude-haiku-4' }, 1_090_500, meter);
    recordWorkerStarted({ taskQueue: 'q', namespace: 'default', version: '1.2.3' }, meter);
    expect(calls).toEqual([
      { name: METRICS.batchLatency.name, kind: 'histogram', value: 90.5, tags: { provider: 'anthropic', model: 'claude-haiku-4', phase: 'completed' } },
      { name: METRICS.workerInfo.name, kind: 'gauge', value: 1, tags: { task_queue: 'q', namespace: 'default', version: '1.2.3' } },
    ]);
  });
});
