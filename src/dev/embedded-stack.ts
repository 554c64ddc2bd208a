import net from 'node:net';
import path from 'node:path';
import { NativeConnection, type LogLevel } from '@temporalio/worker';
import { loadConfig, type LonghaulConfig, type ProviderConnection } from '../config/longhaul-config';
import { startEmulator, type EmulatorHandle, type Scenario } from '../emulator';
import { installRuntime } from '../observability/install-runtime';
import { recordWorkerStarted } from '../observability/job-metrics';
import { serveLiveState } from '../observability/live-state-metrics';
import { packageVersion } from '../observability/package-version';
import type { LogFormat } from '../observability/structured-logger';
import { createLonghaulWorker } from '../worker/create-worker';
import { freePort } from './free-port';
import { acquireStackLock } from './stack-lock';
import { startDevServer, type DevServer } from './temporal-dev-server';
import type { CodecServer } from '../codec/codec-server';
import { stackCodecServer } from './stack-codec-server';

export interface EmbeddedStackOptions {
  /** Where everything persists: Temporal's SQLite file, the emulator's state, blobs and results. */
  dataDir: string;
  /** Preferred ports; a free one is used when the preferred one is taken. */
  temporalPort?: number;
  uiPort?: number;
  /** Run the local provider emulator (with this scenario) and point the providers at it. */
  emulator?: false | { port?: number; scenario?: Scenario | string };
  /** Run a worker in this process (default true). */
  worker?: boolean;
  /** A prebuilt workflow bundle for that worker (the build's own is used when there is one). */
  workflowBundle?: { codePath: string };
  env?: NodeJS.ProcessEnv;
  /** Worker logs (default WARN, text) and the Prometheus port (default: LONGHAUL_METRICS_PORT; none if unset). */
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  metricsPort?: number;
  /** A codec server for the Web UI (`--ui-codec-endpoint`); default: the stack's own when a payload key is set. */
  uiCodecEndpoint?: string;
}

export interface EmbeddedStack {
  address: string;
  uiUrl: string | undefined;
  config: LonghaulConfig;
  emulator: EmulatorHandle | undefined;
  server: DevServer;
  /** Where the worker serves Prometheus metrics, when it does. */
  metricsUrl: string | undefined;
  /** The codec server the Web UI decrypts payloads through, when there is one. */
  codecUrl: string | undefined;
  /** Stops the worker (letting running activities finish), the emulator and the server, in that order. */
  stop(): Promise<void>;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** The preferred port when it is free; else (or for 0) one the OS picks. */
async function portOr(preferred: number | undefined): Promise<number> {
  if (preferred && (await isFree(preferred))) return preferred;
  return freePort();
}

/**
 * The embedded default on one machine: the official Temporal dev server (state in a SQLite file under
 * dataDir, Web UI on), the provider emulator unless disabled, and a worker. Starting it again on the same
 * dataDir resumes unfinished jobs: the dev server, the emulator and the result store all persist there.
 */
export async function startEmbeddedStack(options: EmbeddedStackOptions): Promise<EmbeddedStack> {
  const dataDir = path.resolve(options.dataDir);
  const metricsPort = options.metricsPort ?? loadConfig(options.env ?? process.env, { dataDir }).metricsPort;
  // once per process: a second stack in the same process (tests) shares the first one's runtime
  const runtime = await installRuntime({
    logLevel: options.logLevel ?? 'WARN',
    ...(options.logFormat ? { logFormat: options.logFormat } : {}),
    ...(metricsPort !== undefined ? { metricsPort, metricsHost: '127.0.0.1' } : {}),
  });
  // before the server: a second stack on the same SQLite file is refused (StackInUseError), an orphan stopped
  const lock = acquireStackLock(dataDir);
  let server: DevServer;
  let codec: CodecServer | undefined;
  try {
    const uiPort = await portOr(options.uiPort ?? 8233);
    codec = await stackCodecServer(options, dataDir, uiPort);
    const uiCodecEndpoint = options.uiCodecEndpoint ?? codec?.url;
    server = await startDevServer({
      port: await portOr(options.temporalPort ?? 7233),
      uiPort,
      dbFile: path.join(dataDir, 'temporal', 'dev.sqlite'),
      logFile: path.join(dataDir, 'logs', 'temporal.log'),
      ...(uiCodecEndpoint ? { uiCodecEndpoint } : {}),
    });
  } catch (err) {
    await codec?.stop();
    lock.release();
    throw err;
  }
  lock.recordServer(server.pid);
  const stops: Array<() => Promise<void>> = [() => server.stop(), async () => lock.release(), async () => codec?.stop()];
  try {
    let emulator: EmulatorHandle | undefined;
    if (options.emulator !== false) {
      const settings = options.emulator ?? {};
      emulator = await startEmulator({
        port: settings.port ?? 0,
        dataDir: path.join(dataDir, 'emulator'),
        ...(settings.scenario ? { scenario: settings.scenario } : {}),
      });
      stops.unshift(() => emulator!.stop());
    }
    const accounts: Record<string, ProviderConnection> | undefined = emulator ? emulatorAccounts(emulator) : undefined;
    const config = loadConfig(options.env ?? process.env, { dataDir, ...(accounts ? { accounts } : {}) });
    if (options.worker !== false) {
      const connection = await NativeConnection.connect({ address: server.address });
      const { worker, close } = await createLonghaulWorker({ connection, config, ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}) });
      const running = worker.run();
      recordWorkerStarted({ taskQueue: config.taskQueue, namespace: 'default', version: packageVersion() });
      if (runtime.metricsEndpoint) serveLiveState({ connection, namespace: 'default', config });
      stops.unshift(async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running.catch(() => undefined);
        await close();
        await connection.close();
      });
    }
    return {
      address: server.address,
      uiUrl: server.uiUrl,
      config,
      emulator,
      server,
      metricsUrl: runtime.metricsUrl,
      codecUrl: options.uiCodecEndpoint ?? codec?.url,
      stop: async () => {
        for (const stop of stops) await stop().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const stop of stops) await stop().catch(() => undefined);
    throw err;
  }
}

/**
 * Provider accounts that reach the emulator (it accepts any key). Azure OpenAI uses the emulator's URL as its
 * resource endpoint: the AzureOpenAI client adds `/openai/...`, which the emulator serves too.
 */
export function emulatorAccounts(emulator: Pick<EmulatorHandle, 'url' | 'openaiBaseURL' | 'anthropicBaseURL'>): Record<string, ProviderConnection> {
  const common = { apiKey: 'sk-emulator', timeoutMs: 30_000, flexTimeoutMs: 60_000 };
  return {
    openai: { provider: 'openai', baseURL: emulator.openaiBaseURL, ...common },
    'openai-compatible': { provider: 'openai-compatible', baseURL: emulator.openaiBaseURL, ...common },
    'azure-openai': { provider: 'azure-openai', baseURL: emulator.url, apiVersion: '2025-04-01-preview', ...common },
    anthropic: { provider: 'anthropic', baseURL: emulator.anthropicBaseURL, ...common },
  };
}
