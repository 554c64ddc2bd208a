import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/dev/project-root';
import { installRuntime } from '../../src/observability/install-runtime';
import { runWorker } from '../../src/worker/run-worker';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { startTestStack, workflowBundle, type TestStack } from '../support/stack';

/** One sample line of the exposition format: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const m = /^([^{\s]+)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not an exposition line: ${line}`);
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([^=,\s]+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
}

/** The sum of a metric's samples whose labels include `labels`. */
function total(all: Sample[], name: string, labels: Record<string, string> = {}): number {
  return all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

describe('the worker\'s /metrics, scraped over HTTP (real Temporal, emulator over HTTP, runWorker)', () => {
  let stack: TestStack;
  let url: string;
  let stopWorker: () => void;
  let worker: Promise<void>;
  let closeEndpoint: () => Promise<void>;

  beforeAll(async () => {
    // first in this process: the runtime (and so the SDK's exporter) is installed with a metrics endpoint
    const runtime = await installRuntime({ logLevel: 'WARN', metricsPort: 0, metricsHost: '127.0.0.1' });
    url = runtime.metricsUrl!;
    closeEndpoint = () => runtime.metricsEndpoint!.close();
    // each emulated batch: created, then ~4 real seconds in progress (wall-clock created_at, so latency is real)
    stack = await startTestStack({ worker: false, scenario: { clock: { speed: 2000 }, timing: { validatingSeconds: 0, inProgressSeconds: 8000, finalizingSeconds: 0 } } });
    const stop = new Promise<void>((resolve) => (stopWorker = resolve));
    const bundle = workflowBundle();
    await new Promise<void>((resolve, reject) => {
      worker = runWorker({ config: stack.config, address: stack.address, stop, onReady: () => resolve(), ...(bundle ? { workflowBundlePath: bundle.codePath } : {}) });
      worker.catch(reject);
    });
  }, 60_000);

  afterAll(async () => {
    stopWorker?.();
    await worker?.catch(() => undefined);
    await stack?.stop();
    await closeEndpoint?.();
  });

  it('serves SDK, Longhaul, process and Node.js metrics on one endpoint, by Prometheus conventions, with live state, provider errors, cost in dollars and real batch latency', async () => {
    const ITEMS = 60;
    const input = writeTicketsJsonl(stack.dir, ITEMS);
    // the first batch create is refused with a 429 (Temporal retries it after retry-after)
    stack.emulator.setScenario({
      clock: { speed: 2000 },
      timing: { validatingSeconds: 0, inProgressSeconds: 8000, finalizingSeconds: 0 },
      endpointFaults: [{ method: 'POST', path: '/v1/batches', status: 429, code: 'rate_limit_exceeded', retryAfterSeconds: 0.2, count: 1 }],
    });
    const job = await stack.client.start({
      jobId: 'metrics-e2e',
      dataset: { path: input, idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: { messages: [{ role: 'system', content: `${TICKET_PROMPT.messages[0]!.content} [metrics-e2e]` }, TICKET_PROMPT.messages[1]!] },
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 20 },
      polling: { initialSeconds: 0.2, maxSeconds: 1 },
      timeouts: { heartbeatSeconds: 5, requestSeconds: 5 },
    });

    // live state: scraped once the job's batches are in flight (the first scrape is the first read from Temporal)
    const deadline = Date.now() + 30_000;
    while ((await job.progress()).shards.running < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const live = samples(await (await fetch(url)).text());
    const mine = { provider: 'openai', model: 'gpt-4o-mini' };
    expect(total(live, 'longhaul_jobs_running', mine)).toBeGreaterThanOrEqual(1);
    expect(total(live, 'longhaul_batches_open', { ...mine, tier: 'batch' })).toBeGreaterThanOrEqual(1);
    expect(total(live, 'longhaul_enqueued_estimated_tokens', { ...mine, tier: 'batch' })).toBeGreaterThan(0);
    expect(total(live, 'longhaul_job_items', mine)).toBeGreaterThanOrEqual(ITEMS);
    expect(total(live, 'longhaul_live_state_age_seconds')).toBeLessThan(15);

    const report = await job.result();
    expect(report.counts.succeeded).toBe(ITEMS);

    const text = await (await fetch(url)).text();
    const all = samples(text);
    // batch latency is real on the emulator: every batch observed, each well above zero
    const count = total(all, 'longhaul_batch_latency_seconds_count', { ...mine, phase: 'completed' });
    expect(count).toBeGreaterThanOrEqual(3);
    expect(total(all, 'longhaul_batch_latency_seconds_sum', { ...mine, phase: 'completed' }) / count).toBeGreaterThan(1);
    // cost in dollars, a float (a few thousand tokens of gpt-4o-mini cost well under a cent)
    const cost = total(all, 'longhaul_cost_dollars_total', mine);
    expect(cost).toBeGreaterThan(0);
    expect(cost).toBeLessThan(0.05);
    expect(cost).toBeCloseTo(report.cost.paidUsd, 6);
    expect(total(all, 'longhaul_items_total', { ...mine, outcome: 'succeeded' })).toBe(ITEMS);
    // the refused create, counted once where every provider call passes
    expect(total(all, 'longhaul_provider_http_errors_total', { provider: 'openai', code: '429' })).toBe(1);
    expect(total(all, 'longhaul_provider_rate_limited_total', { provider: 'openai', code: 'rate_limit_exceeded' })).toBe(1);

    // process and Node.js metrics beside the SDK's
    for (const name of ['process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
      expect(total(all, name)).toBeGreaterThan(0);
    }
    expect(all.some((s) => s.name === 'temporal_worker_task_slots_available')).toBe(true);
    // Prometheus conventions across the whole scrape: counters end in _total, SDK durations are seconds, no camelCase
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1]!, type: m[2]! }));
    const counters = types.filter((t) => t.type === 'counter');
    expect(counters.length).toBeGreaterThan(10);
    expect(counters.filter((t) => !t.name.endsWith('_total'))).toEqual([]);
    const sdkHistograms = types.filter((t) => t.type === 'histogram' && t.name.startsWith('temporal_'));
    expect(sdkHistograms.length).toBeGreaterThan(3);
    expect(sdkHistograms.filter((t) => /latency/.test(t.name) && !t.name.endsWith('_seconds'))).toEqual([]);
    expect(all.filter((s) => !/^[a-z_:][a-z0-9_:]*$/.test(s.name)).map((s) => s.name)).toEqual([]);
    expect(text).not.toMatch(/_milliseconds/);
    const labelNames = new Set(all.flatMap((s) => Object.keys(s.labels)));
    expect([...labelNames].filter((l) => !/^[a-z_][a-z0-9_]*$/.test(l))).toEqual([]);

    // every metric the Grafana dashboard queries is one this worker serves (catches a rename the dashboard missed)
    const dashboard = JSON.parse(readFileSync(path.join(projectRoot(), 'deploy', 'grafana', 'longhaul-dashboard.json'), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const queried = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\b(?:longhaul|temporal|process|nodejs)_[a-z0-9_]+/g) ?? [])));
    const served = new Set(all.map((s) => s.name));
    expect([...queried].filter((name) => !served.has(name))).toEqual([]);
  }, 120_000);

  it('answers 404 outside /metrics', async () => {
    expect((await fetch(url.replace('/metrics', '/'))).status).toBe(404);
  });
});
