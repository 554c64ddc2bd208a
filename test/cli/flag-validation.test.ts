import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/dev/project-root';
import { exitCodeOf } from '../../src/cli/follow-job';
import type { JobReport } from '../../src/report/job-report';
import { expectOneLineError, runCli } from './cli-process';
import { tempDir } from '../support/temp-dirs';

describe('CLI flag validation and version', () => {
  it('longhaul --version prints the package version, exit 0', async () => {
    const { version } = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
    const run = await runCli(['--version']);
    expect({ code: run.code, out: run.stdout.trim() }).toEqual({ code: 0, out: version });
  });

  it('dev with a non-numeric --port or --ui-port is refused with exit 2 before anything starts', async () => {
    const dir = tempDir('longhaul-flags-');
    const [port, ui] = await Promise.all([
      runCli(['dev', '--data-dir', dir, '--port', 'abc']),
      runCli(['dev', '--data-dir', dir, '--ui-port', '70000']),
    ]);
    expect({ code: port.code, err: port.errorLines }).toEqual({ code: 2, err: ['longhaul dev: --port: not a valid value: abc'] });
    expect({ code: ui.code, err: ui.errorLines }).toEqual({ code: 2, err: ['longhaul dev: --ui-port: not a valid value: 70000'] });
  });

  it('dev refuses --emulator together with --real-providers (exit 2)', async () => {
    const run = await runCli(['dev', '--emulator', '--real-providers']);
    expect({ code: run.code, err: run.errorLines }).toEqual({ code: 2, err: ['longhaul dev: --emulator and --real-providers exclude each other'] });
  });

  it('worker against an unreachable server: the one-line error and exit 4, not a raw transport error', async () => {
    const run = await runCli(['worker', '--address', '127.0.0.1:1'], { timeoutMs: 60_000 });
    expectOneLineError(run, 4, /^longhaul worker: cannot reach the Temporal server at 127\.0\.0\.1:1: connection refused \(start one with `longhaul dev`/);
    expect(run.stderr).not.toMatch(/tonic|transport::Error/);
  });

  it('a completed job exits 1 when its failed share passes --max-failed-ratio (default 0: any failed item)', async () => {
    const report = (failed: number, status = 'completed') => ({ status, total: 3000, counts: { succeeded: 3000 - failed, failed, cancelled: 0, cached: 0 } }) as unknown as JobReport;
    expect([exitCodeOf(report(0)), exitCodeOf(report(3000)), exitCodeOf(report(30), 0.01), exitCodeOf(report(31), 0.01), exitCodeOf(report(0, 'cancelled'), 1)]).toEqual([0, 1, 0, 1, 1]);
    const [watch, results] = await Promise.all([runCli(['watch', 'some-job', '--max-failed-ratio', '2']), runCli(['results', 'some-job', '--wait', '--max-failed-ratio', 'x'])]);
    expectOneLineError(watch, 2, /--max-failed-ratio: not a valid value: 2/);
    expectOneLineError(results, 2, /--max-failed-ratio: not a valid value: x/);
  });
});
