import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ticket, writeTicketsJsonl } from '../support/datasets';
import { tempDir } from '../support/temp-dirs';
import { BIN, runCli, startCli } from './cli-process';

/** Resolves once process `pid` has `file` open (Linux: /proc/PID/fd); rejects if `exited` says it ended first. */
async function whenOpened(pid: number, file: string, exited: () => boolean): Promise<void> {
  for (;;) {
    const fds = (() => {
      try {
        return readdirSync(`/proc/${pid}/fd`);
      } catch {
        return [];
      }
    })();
    const open = fds.some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
    if (open) return;
    if (exited()) throw new Error(`process ${pid} ended before it opened ${file}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * SIGINT and SIGTERM end every command: main listens for them (so commands that stop cleanly can), which
 * removes Node's default exit, and `longhaul plan` once sat through SIGTERM for minutes.
 */
(existsSync('/proc/self/fd') ? describe : describe.skip)('longhaul on SIGINT / SIGTERM', () => {
  const dir = tempDir('longhaul-cli-signals-');
  const env = { LONGHAUL_DATA_DIR: dir };
  // 300,000 rows: plan reads them for a few seconds
  const large = writeTicketsJsonl(dir, 300_000, 'large.jsonl');

  it.each(['SIGTERM', 'SIGINT'] as const)('ends a command that does not handle interruption with exit 130 on %s', async (signal) => {
    const child = spawn(process.execPath, [BIN, 'plan', '--input', large, '--model', 'gpt-4o-mini', '--prompt', '{{subject}}', '--json'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('close', (code) => resolve({ code, at: Date.now() })));
    try {
      await whenOpened(child.pid!, large, () => child.exitCode !== null);
      const sent = Date.now();
      child.kill(signal);
      const { code, at } = await exited;
      expect({ code, stdout, stderr: stderr.trim() }).toEqual({ code: 130, stdout: '', stderr: 'longhaul plan: interrupted' });
      expect(at - sent).toBeLessThan(5_000);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  // the row froze plan in the tokenizer (and so past any signal) for over an hour
  it('plans a dataset whose first row is 2,000,000 identical characters', async () => {
    const rows = [{ ...ticket(0), body: '-'.repeat(2_000_000) }, ticket(1), ticket(2)].map((row) => JSON.stringify(row));
    const file = path.join(dir, 'huge-row.jsonl');
    writeFileSync(file, rows.join('\n') + '\n');
    const run = await runCli(['plan', '--input', file, '--model', 'gpt-4o-mini', '--prompt', '{{subject}}: {{body}}', '--json'], { env, timeoutMs: 60_000 });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ items: 3 });
  }, 90_000);

  it('keeps the clean stop of a command that handles interruption (the emulator)', async () => {
    const emulator = await startCli(['emulator', '--port', '0'], /listening on/, { env });
    expect(await emulator.stop()).toBe(0);
    expect(emulator.stdout()).toContain('emulator stopped');
  }, 60_000);
});
