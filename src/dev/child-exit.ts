import type { ChildProcess } from 'node:child_process';

/**
 * Waits until a child process has exited, or `ms` have passed; true when it exited. The timer is cleared when
 * the child exits first, so a stopped server never holds its parent's event loop open (jest waited out a
 * stopped server's whole grace period before it could exit).
 */
export function childExited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}
