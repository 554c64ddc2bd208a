import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/config/longhaul-config';
import { createLonghaulClient, type LonghaulClient } from '../../src/client/longhaul-client';
import { emulatorAccounts } from '../../src/dev/embedded-stack';
import { freePort } from '../../src/dev/free-port';
import type { Inspection, Scenario } from '../../src/emulator';
import { startManglingProxy, type ManglingProxy } from '../../test/support/mangling-proxy';
import { spawnLonghaul, type LonghaulProcess } from './child-process';
import type { ChaosTemporal } from './temporal-server';

/** Emulated seconds per real second: a batch's 720 emulated seconds (validate, process, finalize) last 2.4 s. */
const SPEED = 300;

/**
 * Everything one schedule runs against, each part in a process of its own where the schedule kills it: the
 * emulator (`longhaul emulator`, state in a data dir so a kill -9 resumes it), a mangling proxy in front of it
 * that workers and client reach the provider through, two `longhaul worker` processes (slots 0 and 1, a dead
 * one replaced at once) on a task queue of the schedule's own, and a client. The Temporal server is shared.
 */
export interface ChaosStack {
  dir: string;
  client: LonghaulClient;
  proxy: ManglingProxy;
  /** One line per thing the stack did (restarts, replacements), with the time since `startClock()`. */
  log: string[];
  /** Adds a line to the log. */
  note(line: string): void;
  /** Times in the log count from now on (the schedule's start: its jobs started). */
  startClock(): void;
  killWorker(slot: number): Promise<void>;
  pauseWorker(slot: number, pauseMs: number): void;
  restartEmulator(downMs: number): Promise<void>;
  /** Kills the shared Temporal server with SIGKILL and starts it again on its SQLite file. */
  restartTemporal(downMs: number): Promise<void>;
  setScenario(update: Scenario): Promise<void>;
  inspect(): Promise<Inspection>;
  /** The last output of every worker process this stack ran. */
  workerOutput(): string;
  stop(): Promise<void>;
}

export interface ChaosStackOptions {
  dir: string;
  temporal: ChaosTemporal;
  /** Seed of the emulator's fault draws. */
  seed: string;
  /** A prebuilt workflow bundle for the workers (default: the build's). */
  workflowBundle?: string;
  /** Environment of the workers and the client: the stores (LONGHAUL_RESULT_STORE, LONGHAUL_BLOB_STORE, AWS_*). */
  env?: Record<string, string>;
}

export async function startChaosStack(options: ChaosStackOptions): Promise<ChaosStack> {
  const { dir, temporal } = options;
  mkdirSync(dir, { recursive: true });
  let started = Date.now();
  const log: string[] = [];
  const note = (line: string) => log.push(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${line}`);
  const scenarioFile = path.join(dir, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify({ seed: options.seed, clock: { speed: SPEED }, timing: { completionWindowSeconds: 3_000 }, flex: { latencyMs: 50 } }));
  const emulatorPort = await freePort();
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  const startEmulator = async () => {
    const child = spawnLonghaul(['emulator', '--port', String(emulatorPort), '--data-dir', path.join(dir, 'emulator'), '--scenario', scenarioFile], {}, 'listening on');
    await child.ready;
    return child;
  };
  let emulator: LonghaulProcess | undefined = await startEmulator();
  const proxy = await startManglingProxy(emulatorUrl);
  const provider = { url: proxy.url, openaiBaseURL: `${proxy.url}/v1`, anthropicBaseURL: proxy.url };
  const taskQueue = `chaos-${path.basename(dir)}`;
  const config = loadConfig(options.env ?? {}, { dataDir: path.join(dir, 'data'), taskQueue, accounts: emulatorAccounts(provider) });

  const everyWorker: LonghaulProcess[] = [];
  const spawnWorker = () => {
    const worker = spawnLonghaul(['worker'], {
      ...options.env,
      TEMPORAL_ADDRESS: temporal.address,
      LONGHAUL_DATA_DIR: config.dataDir,
      LONGHAUL_TASK_QUEUE: taskQueue,
      OPENAI_BASE_URL: provider.openaiBaseURL,
      OPENAI_API_KEY: 'sk-emulator',
      ANTHROPIC_BASE_URL: provider.anthropicBaseURL,
      ANTHROPIC_API_KEY: 'sk-ant-emulator',
      ...(options.workflowBundle ? { LONGHAUL_WORKFLOW_BUNDLE: options.workflowBundle } : {}),
    }, 'worker ready');
    everyWorker.push(worker);
    return worker;
  };
  const slots = [spawnWorker(), spawnWorker()];
  try {
    await Promise.all(slots.map((w) => w.ready));
  } catch (err) {
    await Promise.all([...everyWorker.map((w) => w.stop()), proxy.stop(), emulator.stop()]);
    throw err;
  }
  let stopping = false;
  // a worker that died by itself (its server gone too long, say) is replaced as a supervisor would
  const watchdog = setInterval(() => {
    slots.forEach((worker, slot) => {
      if (stopping || !worker.hasExited()) return;
      note(`worker ${slot} (pid ${worker.pid}) exited by itself: replaced`);
      slots[slot] = spawnWorker();
    });
  }, 1_000);

  const client = await createLonghaulClient({ address: temporal.address, config });
  const control = async (pathname: string, init?: RequestInit) => {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(`${emulatorUrl}${pathname}`, init);
        if (res.ok) return (await res.json()) as unknown;
        throw new Error(`${pathname}: HTTP ${res.status}`);
      } catch (err) {
        if (attempt >= 50) throw err;
        await sleep(200); // the emulator may be restarting
      }
    }
  };

  return {
    dir,
    client,
    proxy,
    log,
    note,
    startClock: () => void (started = Date.now()),
    async killWorker(slot) {
      const worker = slots[slot]!;
      slots[slot] = spawnWorker();
      await worker.kill9();
      note(`worker ${slot} (pid ${worker.pid}) killed -9, replaced by pid ${slots[slot]!.pid}`);
    },
    pauseWorker(slot, pauseMs) {
      const worker = slots[slot]!;
      worker.pause();
      note(`worker ${slot} (pid ${worker.pid}) paused for ${pauseMs} ms`);
      setTimeout(() => {
        worker.resume();
        note(`worker ${slot} (pid ${worker.pid}) resumed`);
      }, pauseMs).unref();
    },
    async restartEmulator(downMs) {
      await emulator?.kill9();
      emulator = undefined;
      note(`emulator killed -9, down for ${downMs} ms`);
      await sleep(downMs);
      emulator = await startEmulator();
      note('emulator started again on its data dir');
    },
    async restartTemporal(downMs) {
      note(`temporal server killed -9, down for ${downMs} ms`);
      await temporal.restart(downMs);
      note('temporal server started again on its SQLite file');
    },
    async setScenario(update) {
      await control('/_emulator/scenario', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(update) });
    },
    inspect: async () => (await control('/_emulator/inspect')) as Inspection,
    workerOutput: () => everyWorker.map((w) => `--- worker pid ${w.pid}\n${w.output()}`).join('\n'),
    async stop() {
      stopping = true;
      clearInterval(watchdog);
      await client.close().catch(() => undefined);
      await Promise.all(everyWorker.map((w) => w.stop()));
      await proxy.stop();
      await emulator?.stop();
    },
  };
}
