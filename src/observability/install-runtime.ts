import { makeTelemetryFilterString, Runtime, type LogLevel } from '@temporalio/worker';
import { freePort } from '../dev/free-port';
import { coreExporter, metricsUrl, DEFAULT_METRICS_HOST } from './metrics';
import { startMetricsEndpoint, type MetricsEndpoint } from './metrics-endpoint';
import { processMetrics } from './process-metrics';
import { createLogger, type LogFormat } from './structured-logger';

export interface RuntimeSettings {
  /** Lowest level logged (default WARN). Applies to our logs, the SDK's and the forwarded core logs. */
  logLevel?: LogLevel;
  /** `text` (default) or `json` lines on stderr. */
  logFormat?: LogFormat;
  /** Serve Prometheus metrics (SDK runtime metrics, Longhaul's, process and Node.js) on this port; none when omitted. */
  metricsPort?: number;
  /** Interface for the metrics endpoint (default 0.0.0.0). */
  metricsHost?: string;
}

export interface InstalledRuntime {
  settings: RuntimeSettings;
  /** Where metrics are served, when they are. */
  metricsUrl?: string;
  /** The merged `/metrics` endpoint, when metrics are served. */
  metricsEndpoint?: MetricsEndpoint;
}

let installed: Promise<InstalledRuntime> | undefined;

/**
 * Installs the Temporal SDK runtime for this process: logger, log format, and the Prometheus endpoint. The
 * SDK allows this once, before any connection, so the first call wins and later calls return what was
 * installed (their settings are ignored). Worker, dev stack and tests all go through here. Without a metrics
 * port the runtime is installed before this returns its promise.
 *
 * With one, the SDK's core exporter listens on an internal 127.0.0.1 port and `/metrics` on `metricsHost:metricsPort`
 * serves its text followed by Longhaul's registry (metrics-endpoint.ts): one endpoint to scrape.
 * @throws the SDK's IllegalStateError when something else installed a runtime first; the listen error when the
 *   metrics port is taken.
 */
export function installRuntime(settings: RuntimeSettings = {}): Promise<InstalledRuntime> {
  installed ??= install(settings);
  return installed;
}

async function install(settings: RuntimeSettings): Promise<InstalledRuntime> {
  const level = settings.logLevel ?? 'WARN';
  const host = settings.metricsHost ?? DEFAULT_METRICS_HOST;
  const corePort = settings.metricsPort !== undefined ? await freePort() : undefined;
  Runtime.install({
    logger: createLogger(level, settings.logFormat ?? 'text'),
    telemetryOptions: {
      // core (Rust) logs go through the same logger, so `--log-format json` covers them too
      logging: { filter: makeTelemetryFilterString({ core: level, other: 'ERROR' }), forward: {} },
      ...(corePort !== undefined ? { metrics: coreExporter(`127.0.0.1:${corePort}`) } : {}),
    },
  });
  if (settings.metricsPort === undefined || corePort === undefined) return { settings };
  const metricsEndpoint = await startMetricsEndpoint({ host, port: settings.metricsPort, coreUrl: `http://127.0.0.1:${corePort}/metrics`, metrics: processMetrics() });
  return { settings, metricsUrl: metricsUrl(metricsEndpoint.port, host), metricsEndpoint };
}

/** What installRuntime installed in this process, if it ran. */
export function installedRuntime(): Promise<InstalledRuntime> | undefined {
  return installed;
}
