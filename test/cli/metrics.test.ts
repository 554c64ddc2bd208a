import { freePort } from '../../src/dev/free-port';
import { recordBatchEnded, recordShardCollected, recordWorkerStarted } from '../../src/observability/job-metrics';
import { METRICS } from '../../src/observability/metrics';
import { LonghaulMetrics } from '../../src/observability/process-metrics';
import { jsonLogLine } from '../../src/observability/structured-logger';
import { emptyTally } from '../../src/results/shard-tally';
import { testAddress } from '../support/stack';
import { tempDir } from '../support/temp-dirs';
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
    const dir = tempDir('longhaul-metrics-');
    const worker = await startCli(
      ['worker', '--address', testAddress(), '--task-queue', 'metrics-test', '--data-dir', dir, '--metrics-port', String(port), '--log-format', 'json', '--log-level', 'INFO'],
      /longhaul worker ready/,
      { env: { LONGHAUL_WORKFLOW_BUNDLE: process.env.LONGHAUL_TEST_WORKFLOW_BUNDLE ?? '' } },
    );
    try {
      expect(worker.stdout()).toContain(`metrics http://localhost:${port}/metrics`);
      const text = await scrape(`http://127.0.0.1:${port}/metrics`, (t) => /^temporal_worker_start_total\{/m.test(t) && /^longhaul_worker_info\{/m.test(t));
      expect(text).toMatch(/^temporal_worker_start_total\{[^}]*task_queue="metrics-test"[^}]*\} 1$/m);
      expect(text).toMatch(/^longhaul_worker_info\{task_queue="metrics-test",namespace="default",version="\d+\.\d+\.\d+"\} 1$/m);
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
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

/** What a registry exposes, as `name{labels} value` lines (HELP and TYPE lines dropped). */
async function lines(metrics: LonghaulMetrics): Promise<string[]> {
  return (await metrics.text()).split('\n').filter((l) => l && !l.startsWith('#'));
}

describe('job metrics', () => {
  it('records a collected shard as items by outcome, tokens by direction, cost in dollars (a float) and one shard', async () => {
    const metrics = new LonghaulMetrics();
    const tally = { ...emptyTally(), requests: 10, succeeded: 7, failed: 1, retryable: 2, tokensIn: 1200, tokensOut: 340, costUsd: 0.0012345 };
    recordShardCollected(tally, { provider: 'openai', model: 'gpt-4o-mini', tier: 'batch' }, metrics);
    const base = 'provider="openai",model="gpt-4o-mini",tier="batch"';
    expect(await lines(metrics)).toEqual(expect.arrayContaining([
      `${METRICS.items.name}{${base},outcome="succeeded"} 7`,
      `${METRICS.items.name}{${base},outcome="failed"} 1`,
      `${METRICS.items.name}{${base},outcome="retryable"} 2`,
      `${METRICS.items.name}{${base},outcome="cancelled"} 0`,
      `${METRICS.tokens.name}{${base},direction="in"} 1200`,
      `${METRICS.tokens.name}{${base},direction="out"} 340`,
      `longhaul_cost_dollars_total{${base}} 0.0012345`,
      `${METRICS.shards.name}{${base}} 1`,
    ]));
  });

  it('records batch latency in seconds from the provider creation time, and nothing without one', async () => {
    const metrics = new LonghaulMetrics();
    recordBatchEnded({ phase: 'completed', createdAtMs: 1_000_000 }, { provider: 'anthropic', model: 'claude-haiku-4' }, 1_090_500, metrics);
    recordBatchEnded({ phase: 'expired' }, { provider: 'anthropic', model: 'claude-haiku-4' }, 1_090_500, metrics);
    recordWorkerStarted({ taskQueue: 'q', namespace: 'default', version: '1.2.3' }, metrics);
    const text = await lines(metrics);
    expect(text).toContain('longhaul_batch_latency_seconds_sum{provider="anthropic",model="claude-haiku-4",phase="completed"} 90.5');
    expect(text).toContain('longhaul_batch_latency_seconds_count{provider="anthropic",model="claude-haiku-4",phase="completed"} 1');
    expect(text.filter((l) => l.includes('phase="expired"'))).toEqual([]);
    expect(text).toContain('longhaul_worker_info{task_queue="q",namespace="default",version="1.2.3"} 1');
  });
});
