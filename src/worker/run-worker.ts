import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection, type LogLevel } from '@temporalio/worker';
import type { LonghaulConfig } from '../config/longhaul-config';
import type { RequestBuilders } from '../dataset/request-renderer';
import { installRuntime } from '../observability/install-runtime';
import { recordWorkerStarted } from '../observability/job-metrics';
import { serveLiveState } from '../observability/live-state-metrics';
import { packageVersion } from '../observability/package-version';
import type { LogFormat } from '../observability/structured-logger';
import { TemporalUnreachableError } from '../client/client-errors';
import { createLonghaulWorker } from './create-worker';
import { tuneWorkerHeap } from './worker-heap';

/** The reason inside the core SDK's transport error (`tonic::transport::Error(... message: "Connection refused" ...)`). */
function transportReason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const quoted = [...text.matchAll(/message: "([^"]+)"/g)].pop()?.[1] ?? /ConnectError\("([^"]+)"/.exec(text)?.[1];
  return (quoted ?? text).toLowerCase();
}

export interface RunWorkerOptions {
  config: LonghaulConfig;
  /** Temporal address; else TEMPORAL_ADDRESS / profiles (@temporalio/envconfig); else localhost:7233. */
  address?: string;
  namespace?: string;
  builders?: RequestBuilders;
  /** A prebuilt workflow bundle (LONGHAUL_WORKFLOW_BUNDLE), else bundled at start. */
  workflowBundlePath?: string;
  /** Default WARN. */
  logLevel?: LogLevel;
  /** `text` (default) or `json` lines on stderr. */
  logFormat?: LogFormat;
  /** Prometheus metrics port; default `config.metricsPort` (LONGHAUL_METRICS_PORT); none when both are unset. */
  metricsPort?: number;
  /** Resolves when the worker should stop (Ctrl-C, SIGTERM). */
  stop: Promise<void>;
  onReady?: (info: { address: string; namespace: string; taskQueue: string; metricsUrl?: string }) => void;
}

/**
 * Connects to Temporal and runs a worker until `stop` resolves, then shuts down gracefully (running
 * activities finish or are retried elsewhere: they are idempotent).
 */
export async function runWorker(options: RunWorkerOptions): Promise<void> {
  tuneWorkerHeap();
  const metricsPort = options.metricsPort ?? options.config.metricsPort;
  const runtime = await installRuntime({
    logLevel: options.logLevel ?? 'WARN',
    ...(options.logFormat ? { logFormat: options.logFormat } : {}),
    ...(metricsPort !== undefined ? { metricsPort } : {}),
  });
  const fromEnv = loadClientConnectConfig();
  const address = options.address ?? fromEnv.connectionOptions.address ?? 'localhost:7233';
  const namespace = options.namespace ?? fromEnv.namespace ?? 'default';
  const connection = await NativeConnection.connect({ ...fromEnv.connectionOptions, address }).catch((err: unknown) => {
    throw new TemporalUnreachableError(address, new Error(transportReason(err)));
  });
  const { worker, close } = await createLonghaulWorker({
    connection,
    config: options.config,
    namespace,
    ...(options.builders ? { builders: options.builders } : {}),
    ...(options.workflowBundlePath ? { workflowBundle: { codePath: options.workflowBundlePath } } : {}),
  });
  const running = worker.run();
  // live-state gauges read the deployment's running jobs from Temporal when scraped (global, not per worker)
  if (runtime.metricsEndpoint) serveLiveState({ connection, namespace, config: options.config });
  recordWorkerStarted({ taskQueue: options.config.taskQueue, namespace, version: packageVersion() });
  options.onReady?.({ address, namespace, taskQueue: options.config.taskQueue, ...(runtime.metricsUrl ? { metricsUrl: runtime.metricsUrl } : {}) });
  await Promise.race([options.stop, running]);
  if (worker.getState() === 'RUNNING') worker.shutdown();
  try {
    await running;
  } finally {
    await close();
    await connection.close();
  }
}
