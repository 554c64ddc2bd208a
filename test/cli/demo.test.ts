import { EMULATED_ANSWERS_NOTE } from '../../src/cli/commands/demo';
import { runCli } from './cli-process';
import { tempDir } from '../support/temp-dirs';

describe('longhaul demo', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = tempDir('longhaul-demo-');
  });

  it('runs the example job to completion and says its answers come from the emulator, not a model', async () => {
    const run = await runCli(['demo', '--no-keep', '--data-dir', dataDir], { timeoutMs: 600_000 });
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toContain('3,000 support tickets');
    expect(run.stdout.split(EMULATED_ANSWERS_NOTE)).toHaveLength(3);
    expect(run.stdout.indexOf(EMULATED_ANSWERS_NOTE)).toBeLessThan(run.stdout.indexOf('Stopped the stack'));
  }, 660_000);
});
