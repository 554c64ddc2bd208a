import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/dev/project-root';

/** The published entry point; `npm test` builds dist/ first (run `npm run build` before `npx jest test/cli`). */
export const BIN = path.join(projectRoot(), 'bin', 'longhaul.js');

function requireBuild(): void {
  if (!existsSync(path.join(projectRoot(), 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before the CLI tests');
  }
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stderr without empty lines. */
  errorLines: string[];
  ms: number;
}

/** Runs `node bin/longhaul.js ...args` to its end, with `env` added to this process's environment. */
export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  requireBuild();
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? projectRoot(),
      env: { ...process.env, LONGHAUL_DEBUG: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`longhaul ${args.join(' ')} did not end within ${options.timeoutMs ?? 60_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, errorLines: stderr.split('\n').filter((l) => l.trim() !== ''), ms: Date.now() - started });
    });
  });
}

/** Starts a long-running command (worker, dev) and resolves once `ready` matches its stdout. */
export async function startCli(args: string[], ready: RegExp, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ child: ChildProcess; stdout: () => string; stderr: () => string; stop(): Promise<number | null> }> {
  requireBuild();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: projectRoot(), env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!ready.test(stdout)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`longhaul ${args.join(' ')} did not get ready\nstdout: ${stdout}\nstderr: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** What every failure must look like: one line on stderr, no stack trace. */
export function expectOneLineError(run: CliRun, code: number, pattern: RegExp): void {
  expect({ code: run.code, stderr: run.errorLines }).toEqual({ code, stderr: [expect.stringMatching(pattern)] });
  expect(run.stderr).not.toMatch(/\n\s+at /);
}
