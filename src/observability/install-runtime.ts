import { makeTelemetryFilterString, Runtime, type LogLevel } from '@temporalio/worker';
import { metricsUrl, prometheusExporter, DEFAULT_METRICS_HOST } from './metrics';
import { createLogger, type LogFormat } from './structured-logger';

export interface RuntimeSettings {
  /** Lowest level logged (default WARN). Applies to our logs, the SDK's and the forwarded core logs. */
  logLevel?: LogLevel;
  /** `text` (default) or `json` lines on stderr. */
  logFormat?: LogFormat;
  /** Serve Prometheus metrics (SDK runtime metrics and Longhaul's) on this port; none when omitted. */
  metricsPort?: number;
  /** Interface for the metrics endpoint (default 0.0.0.0). */
  metricsHost?: string;
}

export interface InstalledRuntime {
  settings: RuntimeSettings;
  /** Where metrics are served, when they are. */
  metricsUrl?: string;
}

let installed: InstalledRuntime | undefined;

/**
 * Installs the Temporal SDK runtime for this process: logger, log format, and the Prometheus endpoint. The
 * SDK allows this once, before any connection, so the first call wins and later calls return what was
 * installed (their settings are ignored). Worker, dev stack and tests all go through here.
 * @throws the SDK's IllegalStateError when something else installed a runtime first.
 */
export function installRuntime(settings: RuntimeSettings = {}): InstalledRuntime {
  if (installed) return installed;
  const level = settings.logLevel ?? 'WARN';
  const host = settings.metricsHost ?? DEFAULT_METRICS_HOST;
  Runtime.install({
    logger: createLogger(level, settings.logFormat ?? 'text'),
    telemetryOptions: {
      // core (Rust) logs go through the same logger, so `--log-format json` covers them too
      logging: { filter: makeTelemetryFilterString({ core: level, other: 'ERROR' }), forward: {} },
      ...(settings.metricsPort !== undefined ? { metrics: prometheusExporter(settings.metricsPort, host) } : {}),
    },
  });
  installed = { settings, ...(settings.metricsPort !== undefined ? { metricsUrl: metricsUrl(settings.metricsPort, host) } : {}) };
  return installed;
}

/** What installRuntime installed in this process, if it ran. */
export function installedRuntime(): InstalledRuntime | undefined {
  return installed;
}
