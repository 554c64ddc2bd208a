import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '../../src/dev/free-port';
import { startMetricsEndpoint } from '../../src/observability/metrics-endpoint';
import { LonghaulMetrics } from '../../src/observability/process-metrics';

describe('the merged /metrics endpoint', () => {
  it('serves the core exporter\'s text then the registry\'s, and the registry alone when the core does not answer', async () => {
    // stands in for the SDK core's exporter (a real one is scraped in worker-metrics.test.ts)
    const core = http.createServer((_req, res) => res.end('# TYPE temporal_worker_start_total counter\ntemporal_worker_start_total 1'));
    await new Promise<void>((resolve) => core.listen(0, '127.0.0.1', resolve));
    const metrics = new LonghaulMetrics();
    metrics.workerInfo.set({ task_queue: 'q', namespace: 'default', version: '1.0.0' }, 1);
    const endpoint = await startMetricsEndpoint({ host: '127.0.0.1', port: 0, coreUrl: `http://127.0.0.1:${(core.address() as AddressInfo).port}/metrics`, metrics });
    try {
      const url = `http://127.0.0.1:${endpoint.port}/metrics`;
      const merged = await fetch(url);
      expect(merged.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await merged.text();
      expect(text).toMatch(/^temporal_worker_start_total 1\n# HELP longhaul_/m);
      expect(text).toContain('longhaul_worker_info{task_queue="q",namespace="default",version="1.0.0"} 1');
      await new Promise((resolve) => core.close(resolve));
      const alone = await (await fetch(url)).text();
      expect(alone).not.toContain('temporal_');
      expect(alone).toContain('longhaul_worker_info{');
    } finally {
      await endpoint.close();
      core.close();
    }
  });

  it('refuses a port in use with one line naming the address and the setting', async () => {
    const port = await freePort();
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      await expect(startMetricsEndpoint({ host: '127.0.0.1', port, coreUrl: 'http://127.0.0.1:1/metrics', metrics: new LonghaulMetrics() }))
        .rejects.toThrow(`cannot serve metrics on 127.0.0.1:${port}: the port is in use (--metrics-port, LONGHAUL_METRICS_PORT)`);
    } finally {
      taken.close();
    }
  });
});
