import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expectOneLineError, runCli, startCli } from './cli-process';
import { tempDir } from '../support/temp-dirs';

/** A process that runs (a zombie waiting for its parent to reap it counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The parent pid of a process (Linux /proc). */
function parentOf(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]);
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return check();
}

describe('one stack per data dir', () => {
  it('refuses a second dev on a dir in use at once; kill -9 of dev takes its Temporal server along; a start stops an orphaned one', async () => {
    const dir = tempDir('longhaul-lock-');
    const started: Array<{ stop(): Promise<number | null> }> = [];
    const orphans: number[] = [];
    try {
      const first = await startCli(['dev', '--data-dir', dir, '--port', '0', '--ui-port', '0'], /Press Ctrl-C/, { timeoutMs: 120_000 });
      started.push(first);
      const { pid, temporalPid } = JSON.parse(readFileSync(path.join(dir, 'stack.lock'), 'utf8')) as { pid: number; temporalPid: number };
      expect({ pid, temporal: alive(temporalPid) }).toEqual({ pid: first.child.pid, temporal: true });
      orphans.push(temporalPid);

      const second = await runCli(['dev', '--data-dir', dir], { timeoutMs: 60_000 });
      expectOneLineError(second, 1, /is in use by another longhaul stack \(process \d+\)/);
      expect(second.ms).toBeLessThan(30_000);

      // kill -9 of dev: its Temporal server goes with it (through its supervisor), not only at the next start
      first.child.kill('SIGKILL');
      expect(await until(() => !alive(pid), 10_000)).toBe(true);
      expect(await until(() => !alive(temporalPid), 15_000)).toBe(true);

      // a server that outlived its stack anyway (its supervisor killed too) is stopped by the next start
      const restarted = await startCli(['dev', '--data-dir', dir, '--port', '0', '--ui-port', '0'], /Press Ctrl-C/, { timeoutMs: 120_000 });
      started.push(restarted);
      const orphan = (JSON.parse(readFileSync(path.join(dir, 'stack.lock'), 'utf8')) as { temporalPid: number }).temporalPid;
      orphans.push(orphan);
      process.kill(parentOf(orphan), 'SIGKILL');
      restarted.child.kill('SIGKILL');
      expect(await until(() => !alive(restarted.child.pid!), 10_000)).toBe(true);
      expect(alive(orphan)).toBe(true);

      const third = await startCli(['dev', '--data-dir', dir, '--port', '0', '--ui-port', '0'], /Press Ctrl-C/, { timeoutMs: 120_000 });
      started.push(third);
      expect(await until(() => !alive(orphan), 10_000)).toBe(true);
      expect(await third.stop()).toBe(0);
    } finally {
      for (const stack of started) await stack.stop().catch(() => undefined);
      for (const orphan of orphans) if (alive(orphan)) process.kill(orphan, 'SIGKILL');
    }
  }, 300_000);
});
