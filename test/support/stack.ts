import path from 'node:path';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { installRuntime } from '../../src/observability/install-runtime';
import { loadConfig, type LonghaulConfig } from '../../src/config/longhaul-config';
import { createLonghaulClient, type LonghaulClient } from '../../src/client/longhaul-client';
import type { RequestBuilders } from '../../src/dataset/request-renderer';
import { startEmulator, type EmulatorHandle, type Scenario } from '../../src/emulator';
import { createLonghaulWorker } from '../../src/worker/create-worker';
import { emulatorAccounts } from '../../src/dev/embedded-stack';
import { tempDir } from './temp-dirs';

/** Worker logs at WARN and above only, once per test process (the runtime must be installed before connections). */
export function quietRuntime(): void {
  void installRuntime({ logLevel: 'WARN' });
}

/**
 * Shuts the SDK's runtime down when nothing uses it. The SDK does so itself when its last connection closes, but a
 * runtime installed by a stack that never connected (no in-process worker) kept the jest process alive.
 */
async function releaseIdleRuntime(): Promise<void> {
  const runtime = (Runtime as unknown as { _instance?: { shutdownIfIdle(): Promise<void> } })._instance;
  await runtime?.shutdownIfIdle();
}

export interface TestStack {
  dir: string;
  /** What the emulator logged (requests, faults applied), oldest first. */
  emulatorLog: string[];
  emulator: EmulatorHandle;
  config: LonghaulConfig;
  client: LonghaulClient;
  address: string;
  /** Starts another in-process worker on the same queue (returns a stop function). */
  addWorker(): Promise<() => Promise<void>>;
  stop(): Promise<void>;
}

export function testAddress(): string {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) throw new Error('TEMPORAL_TEST_ADDRESS is not set: run the tests through jest (globalSetup starts the server)');
  return address;
}

export function workflowBundle(): { codePath: string } | undefined {
  const codePath = process.env.LONGHAUL_TEST_WORKFLOW_BUNDLE;
  return codePath ? { codePath } : undefined;
}

/**
 * A whole Longhaul stack on the shared real Temporal server: an emulator, a data dir, a task queue of its
 * own (so suites never steal each other's tasks), a worker and a client.
 */
export interface TestStackOptions {
  scenario?: Scenario;
  builders?: RequestBuilders;
  dataDir?: string;
  /** Start an in-process worker (default true). */
  worker?: boolean;
  /** A Temporal server of the test's own (default: the shared one). */
  address?: string;
  /** Extra provider accounts for the worker (e.g. one without a key). */
  accounts?: Record<string, LonghaulConfig['accounts'][string]>;
  /** Environment the configuration is read from (LONGHAUL_BLOB_STORE, LONGHAUL_RESULT_STORE, AWS_*). */
  env?: NodeJS.ProcessEnv;
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const dir = options.dataDir ?? tempDir('longhaul-test-');
  const emulatorLog: string[] = [];
  const emulator = await startEmulator({ ...(options.scenario ? { scenario: options.scenario } : {}), log: (line) => emulatorLog.push(line) });
  const address = options.address ?? testAddress();
  quietRuntime();
  // short client timeouts: a hung endpoint fails the call in seconds, and Temporal retries it
  const accounts = { ...Object.fromEntries(Object.entries(emulatorAccounts(emulator)).map(([name, a]) => [name, { ...a, timeoutMs: 5_000 }])), ...options.accounts };
  const config = loadConfig(options.env ?? {}, { dataDir: dir, taskQueue: `test-${path.basename(dir)}`, accounts });
  const stops: Array<() => Promise<void>> = [];
  const addWorker = async () => {
    const connection = await NativeConnection.connect({ address });
    const bundle = workflowBundle();
    const { worker, close } = await createLonghaulWorker({
      connection,
      config,
      ...(options.builders ? { builders: options.builders } : {}),
      ...(bundle ? { workflowBundle: bundle } : {}),
    });
    const running = worker.run();
    const stop = async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await close();
      await connection.close();
    };
    stops.push(stop);
    return stop;
  };
  if (options.worker !== false) await addWorker();
  const client = await createLonghaulClient({ address, config });
  return {
    dir,
    emulatorLog,
    emulator,
    config,
    client,
    address,
    addWorker,
    async stop() {
      await client.close();
      for (const stop of stops) await stop();
      await emulator.stop();
      await releaseIdleRuntime();
    },
  };
}

export type { Worker };
