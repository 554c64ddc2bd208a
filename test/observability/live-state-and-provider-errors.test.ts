import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../src/dev/free-port';
import { LiveStateGauges, type LiveJob } from '../../src/observability/live-state-metrics';
import { LonghaulMetrics } from '../../src/observability/process-metrics';
import { countingFetch } from '../../src/observability/provider-http-metrics';

async function lines(metrics: LonghaulMetrics): Promise<string[]> {
  return (await metrics.text()).split('\n').filter((l) => l && !l.startsWith('#'));
}

function job(provider: string, running: number, pending: number): LiveJob {
  return {
    provider,
    model: 'm',
    progress: { tier: 'batch', items: { succeeded: 1, failed: 0, cancelled: 0, cached: 0, retrying: 0, pending }, shards: { total: 3, queued: 0, running, done: 0 }, tokens: { in: 0, out: 0, estimatedQueued: 100 * running } },
  };
}

describe('live-state gauges', () => {
  it('sum running jobs by provider and model, read at most once per max age, and keep the last values when a read fails', async () => {
    let now = 1_000_000;
    let reads = 0;
    let answer: () => Promise<LiveJob[]> = async () => [job('openai', 2, 40), job('openai', 1, 10), { provider: 'anthropic', model: 'm' }];
    const metrics = new LonghaulMetrics();
    new LiveStateGauges(metrics, () => (reads++, answer()), { maxAgeMs: 15_000, now: () => now });
    const first = await lines(metrics);
    expect(reads).toBe(1);
    expect(first).toEqual(expect.arrayContaining([
      'longhaul_jobs_running{provider="openai",model="m"} 2',
      // a job that did not answer its query still runs; it adds nothing else
      'longhaul_jobs_running{provider="anthropic",model="m"} 1',
      'longhaul_batches_open{provider="openai",model="m",tier="batch"} 3',
      'longhaul_enqueued_estimated_tokens{provider="openai",model="m",tier="batch"} 300',
      'longhaul_job_items{provider="openai",model="m",state="pending"} 50',
      'longhaul_job_items{provider="openai",model="m",state="succeeded"} 2',
      'longhaul_live_state_age_seconds 0',
    ]));
    expect(first.filter((l) => l.includes('anthropic') && !l.startsWith('longhaul_jobs_running'))).toEqual([]);

    now += 10_000;
    await lines(metrics);
    expect(reads).toBe(1);

    now += 10_000;
    answer = () => Promise.reject(new Error('temporal unreachable'));
    const stale = await lines(metrics);
    expect(reads).toBe(2);
    expect(stale).toContain('longhaul_jobs_running{provider="openai",model="m"} 2');
    expect(stale).toContain('longhaul_live_state_age_seconds 20');

    now += 20_000;
    answer = async () => [];
    const after = await lines(metrics);
    expect(after.filter((l) => l.startsWith('longhaul_jobs_running'))).toEqual([]);
    expect(after).toContain('longhaul_live_state_age_seconds 0');
  });
});

describe('provider HTTP error counters (countingFetch, real HTTP)', () => {
  it('count failed calls by status, 429s by the provider\'s code, and calls that got no answer; the answer passes unchanged', async () => {
    const answers = [
      { status: 429, body: '{"error":{"code":"token_limit_exceeded","message":"slow down"}}' },
      { status: 429, body: '{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}' },
      { status: 429, body: 'not json' },
      { status: 500, body: '{}' },
      { status: 200, body: '{"ok":true}' },
    ];
    const server = http.createServer((_req, res) => {
      const next = answers.shift()!;
      res.writeHead(next.status, { 'content-type': 'application/json' }).end(next.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const metrics = new LonghaulMetrics();
    const counted = countingFetch('openai', () => metrics);
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/batches`;
      const first = await counted(url);
      expect(first.status).toBe(429);
      expect(await first.json()).toEqual({ error: { code: 'token_limit_exceeded', message: 'slow down' } });
      for (let i = 0; i < 4; i++) await counted(url);
      await expect(counted(`http://127.0.0.1:${await freePort()}/v1/batches`)).rejects.toThrow();
    } finally {
      server.close();
    }
    expect(await lines(metrics)).toEqual(expect.arrayContaining([
      'longhaul_provider_http_errors_total{provider="openai",code="429"} 3',
      'longhaul_provider_http_errors_total{provider="openai",code="500"} 1',
      'longhaul_provider_http_errors_total{provider="openai",code="network"} 1',
      'longhaul_provider_rate_limited_total{provider="openai",code="token_limit_exceeded"} 1',
      'longhaul_provider_rate_limited_total{provider="openai",code="rate_limit_error"} 1',
      'longhaul_provider_rate_limited_total{provider="openai",code="unknown"} 1',
    ]));
    expect((await lines(metrics)).filter((l) => l.includes('code="200"'))).toEqual([]);
  });
});
