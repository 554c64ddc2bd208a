import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/dev/project-root';
import type { TestStack } from './stack';
import { workflowBundle } from './stack';

export interface WorkerProcess {
  pid: number;
  /** Resolves when the worker says it is polling. */
  ready: Promise<void>;
  /** SIGKILL: no cleanup, no graceful shutdown, as a machine dying. */
  kill9(): Promise<void>;
  /** SIGTERM: graceful shutdown (a paused worker is resumed first, or it could not handle the signal). */
  stop(): Promise<void>;
  /** SIGSTOP: the process freezes as in a long GC pause or a suspended VM; nothing of it runs until resume(). */
  pause(): void;
  /** SIGCONT: the paused process carries on where it was, unaware that time passed. */
  resume(): void;
  output(): string;
}

/**
 * Runs `longhaul worker` (the compiled CLI, as users run it) in its own process against the stack's
 * Temporal server, task queue, data dir and emulator. Needs `npm run build` first (npm test does it).
 */
export function spawnWorkerProcess(stack: TestStack, options: { dataDir?: string; env?: NodeJS.ProcessEnv } = {}): WorkerProcess {
  const bin = path.join(projectRoot(), 'bin', 'longhaul.js');
  if (!existsSync(path.join(projectRoot(), 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
  const bundle = workflowBundle();
  const child: ChildProcess = spawn(process.execPath, [bin, 'worker'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: stack.address,
      LONGHAUL_DATA_DIR: options.dataDir ?? stack.config.dataDir,
      LONGHAUL_TASK_QUEUE: stack.config.taskQueue,
      OPENAI_BASE_URL: stack.emulator.openaiBaseURL,
      OPENAI_API_KEY: 'sk-emulator',
      ANTHROPIC_BASE_URL: stack.emulator.anthropicBaseURL,
      ANTHROPIC_API_KEY: 'sk-ant-emulator',
      ...(bundle ? { LONGHAUL_WORKFLOW_BUNDLE: bundle.codePath } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', () => out.includes('worker ready') && resolve());
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready:\n${out}`)));
  });
  ready.catch(() => undefined);
  return {
    pid: child.pid ?? -1,
    ready,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await exited;
    },
    pause() {
      child.kill('SIGSTOP');
    },
    resume() {
      child.kill('SIGCONT');
    },
    output: () => out,
  };
}

/** Polls `check` every 100 ms until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
