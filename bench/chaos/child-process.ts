import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/dev/project-root';

/** A `longhaul` CLI command running in a child process, as users run it, that the schedule can kill or pause. */
export interface LonghaulProcess {
  pid: number;
  /** Resolves once the output contains the ready text; rejects if the process exits first. */
  ready: Promise<void>;
  /** Resolves when the process has exited (by any cause). */
  exited: Promise<void>;
  hasExited(): boolean;
  /** SIGKILL, as a machine dying: no cleanup. */
  kill9(): Promise<void>;
  /** SIGTERM (after SIGCONT, or a paused process could not handle it), SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** SIGSTOP: frozen as in a long GC pause or a suspended VM. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** The last 20,000 characters of stdout and stderr. */
  output(): string;
}

/** Children still running: killed when this process exits, so an interrupted run leaves no worker or emulator behind. */
const running = new Set<ChildProcess>();
process.once('exit', () => running.forEach((child) => child.kill('SIGKILL')));

/** Runs `node bin/longhaul.js ...args` from the build (dist/ must exist: `npm run build`). */
export function spawnLonghaul(args: string[], env: NodeJS.ProcessEnv, readyText: string): LonghaulProcess {
  const root = projectRoot();
  if (!existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const child: ChildProcess = spawn(process.execPath, [path.join(root, 'bin', 'longhaul.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  const append = (d: Buffer) => void (out = (out + d.toString('utf8')).slice(-20_000));
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let done = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve((done = true) && undefined)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', () => out.includes(readyText) && resolve());
    void exited.then(() => reject(new Error(`longhaul ${args[0]} exited before it was ready:\n${out.slice(-3000)}`)));
  });
  ready.catch(() => undefined);
  return {
    pid: child.pid ?? -1,
    ready,
    exited,
    hasExited: () => done,
    async kill9() {
      if (!done) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (done) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    pause: () => void (done || child.kill('SIGSTOP')),
    resume: () => void (done || child.kill('SIGCONT')),
    output: () => out,
  };
}
