import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { projectRoot } from '../../src/dev/project-root';
import { allCommands } from '../../src/cli/commands';
import { runCli } from './cli-process';

async function runNode(code: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', code], { cwd: projectRoot() });
  return stdout;
}

const EXPECTED = ['demo', 'dev', 'worker', 'emulator', 'webhooks', 'codec-server', 'plan', 'run', 'status', 'watch', 'pause', 'resume', 'cancel', 'reprocess', 'results', 'report', 'gc'];

describe('longhaul help', () => {
  it('registers every command of the issue, each with a summary, usage and help for all its flags', () => {
    const commands = allCommands();
    expect(commands.map((c) => c.name).sort()).toEqual([...EXPECTED].sort());
    for (const command of commands) {
      expect(command.summary.length).toBeGreaterThan(10);
      const text = `${command.usage}\n${command.help}`;
      for (const flag of Object.keys(command.options)) expect({ command: command.name, flag, documented: text.includes(`--${flag}`) }).toEqual({ command: command.name, flag, documented: true });
    }
  });

  it('prints the overview and per-command help from the real binary, exit 0', async () => {
    const [overview, plan, status] = await Promise.all([runCli(['--help']), runCli(['plan', '--help']), runCli(['help', 'status'])]);
    expect(overview.code).toBe(0);
    for (const name of EXPECTED) expect(overview.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(overview.stdout).toMatch(/Exit codes: 0 ok, 1 failed, 2 bad input, 3 no such job, 4 Temporal unreachable/);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^Usage: longhaul plan SPEC/);
    expect(plan.stdout).toContain('--within DURATION');
    expect(status.stdout).toMatch(/^Usage: longhaul status \[JOB\]/);
  });

  it('loads neither the worker SDK nor the emulator for the job commands, so they start quickly', async () => {
    const probe = await runNode(
      "require('./dist/src/cli/commands'); console.log(JSON.stringify(Object.keys(require.cache).filter((f) => /@temporalio[\\/](worker|workflow)[\\/]|src[\\/]emulator[\\/]|node_modules[\\/](openai|@anthropic-ai)[\\/]/.test(f))))",
    );
    expect(JSON.parse(probe)).toEqual([]);
  });

  it('loads only the command it runs: the worker loads no other command and no YAML parser', async () => {
    const probe = await runNode(
      "require('./dist/src/cli/commands').commandNamed('worker'); console.log(JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules[\\/]yaml[\\/]|cli[\\/]commands[\\/](?!worker\\.js|index\\.js)/.test(f))))",
    );
    expect(JSON.parse(probe)).toEqual([]);
  });
});
