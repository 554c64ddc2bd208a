import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LonghaulMetrics } from './process-metrics';

export interface MetricsEndpoint {
  /** The port it listens on (the one asked for, or the OS's pick for 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * The worker's one Prometheus endpoint, `GET /metrics`: the SDK's runtime metrics, which the core (Rust) exporter
 * serves on an internal address (`coreUrl`), followed by Longhaul's registry (our metrics, process and Node.js
 * metrics). Their names do not overlap (`temporal_*` beside `longhaul_*`, `process_*`, `nodejs_*`). When the core
 * exporter does not answer, ours are still served.
 * @throws an Error saying which address could not be taken and why (in use, not permitted).
 */
export async function startMetricsEndpoint(options: { host: string; port: number; coreUrl: string; metrics: LonghaulMetrics }): Promise<MetricsEndpoint> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
      return;
    }
    void merged(options.coreUrl, options.metrics).then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    const refuse = (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new Error(`cannot serve metrics on ${options.host}:${options.port}: ${why} (--metrics-port, LONGHAUL_METRICS_PORT)`));
    };
    server.once('error', refuse);
    server.listen(options.port, options.host, () => {
      server.off('error', refuse);
      resolve();
    });
  });
  // a scraper's keep-alive must not keep the process up
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function merged(coreUrl: string, metrics: LonghaulMetrics): Promise<string> {
  const [core, ours] = await Promise.all([
    fetch(coreUrl, { signal: AbortSignal.timeout(5_000) }).then((r) => (r.ok ? r.text() : ''), () => ''),
    metrics.text(),
  ]);
  return `${core}${core && !core.endsWith('\n') ? '\n' : ''}${ours}`;
}
