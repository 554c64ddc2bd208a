import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import path from 'node:path';

/** Another live process runs a stack on this data dir; thrown by `acquireStackLock`, shown as one line. */
export class StackInUseError extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(`${dataDir} is in use by another longhaul stack (process ${pid}); stop it first, or pass another --data-dir`);
    this.name = 'StackInUseError';
  }
}

interface LockContent {
  pid: number;
  /** The Temporal dev server this stack started, stopped on the next start if it outlived its stack (kill -9). */
  temporalPid?: number;
}

export interface StackLock {
  /** Records the Temporal server's pid, so a later start can stop it if this process dies without cleanup. */
  recordServer(pid: number): void;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Only a process that is still a Temporal server is stopped (a recycled pid belongs to someone else). */
function isTemporalServer(pid: number): boolean {
  try {
    return /temporal.*server.*start-dev/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
  } catch {
    return false;
  }
}

function read(file: string): LockContent | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LockContent;
  } catch {
    return undefined;
  }
}

/**
 * One stack per data dir: `DIR/stack.lock` holds the owner's pid (created with O_EXCL, so two starts cannot
 * both win). A lock whose owner is gone is stale: its orphaned Temporal server (left by kill -9) is killed
 * and the lock taken over. Throws StackInUseError when the owner is alive.
 */
export function acquireStackLock(dataDir: string): StackLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'stack.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, JSON.stringify({ pid: process.pid } satisfies LockContent));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 3) throw err;
      const held = read(file);
      if (held && alive(held.pid)) throw new StackInUseError(dataDir, held.pid);
      if (held?.temporalPid && alive(held.temporalPid) && isTemporalServer(held.temporalPid)) process.kill(held.temporalPid, 'SIGKILL');
      rmSync(file, { force: true });
    }
  }
  let content: LockContent = { pid: process.pid };
  return {
    recordServer(pid) {
      content = { ...content, temporalPid: pid };
      writeFileSync(file, JSON.stringify(content));
    },
    release() {
      if (read(file)?.pid === process.pid) rmSync(file, { force: true });
    },
  };
}
