import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/dev/project-root';
import { superviseProcess } from '../../src/dev/process-supervisor';
import { tempDir } from '../support/temp-dirs';

/** Running, and not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return check();
}

/**
 * The supervisor that lets the Temporal dev server end with `longhaul dev`: real processes, no mocks. The
 * parent-death case runs the built module (dist/) in a child process that is then killed with SIGKILL.
 */
describe('superviseProcess', () => {
  const dir = tempDir('longhaul-supervisor-');

  it('runs the command with its output in the log file, and stop() ends it', async () => {
    const log = path.join(dir, 'echo.log');
    const child = await superviseProcess('sh', ['-c', 'echo started; exec sleep 60'], { logFile: log });
    try {
      expect(alive(child.pid)).toBe(true);
      expect(await until(() => readFileSync(log, 'utf8').includes('started'), 5_000)).toBe(true);
    } finally {
      await child.stop();
    }
    expect(child.hasExited()).toBe(true);
    expect(await until(() => !alive(child.pid), 5_000)).toBe(true);
  });

  it('reports a command that exits by itself, with its exit code', async () => {
    const child = await superviseProcess('sh', ['-c', 'exit 3']);
    expect(await child.exited).toBe(3);
  });

  it('refuses a command that cannot be spawned', async () => {
    await expect(superviseProcess(path.join(dir, 'no-such-binary'), [])).rejects.toThrow(/could not be started/);
  });

  it('ends the command within seconds when its parent is killed with SIGKILL', async () => {
    const built = path.join(projectRoot(), 'dist', 'src', 'dev', 'process-supervisor.js');
    if (!existsSync(built)) throw new Error('dist/ is missing: run `npm run build` first');
    const script = `require(${JSON.stringify(built)}).superviseProcess('sleep', ['120']).then((c) => console.log(c.pid));`;
    const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let pid = 0;
    try {
      pid = await new Promise<number>((resolve, reject) => {
        parent.stdout.on('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
        parent.once('exit', (code) => reject(new Error(`parent exited first (${code})`)));
      });
      expect(alive(pid)).toBe(true);
      parent.kill('SIGKILL');
      expect(await until(() => !alive(pid), 10_000)).toBe(true);
    } finally {
      parent.kill('SIGKILL');
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
