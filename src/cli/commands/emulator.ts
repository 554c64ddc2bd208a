import { CliError, type CliCommand } from '../cli-command';

/**
 * `longhaul emulator`: runs the local OpenAI + Anthropic batch emulator until interrupted. Prints both base
 * URLs; exits 0 after a clean stop, 1 on a bad flag or scenario.
 */
export const emulatorCommand: CliCommand = {
  name: 'emulator',
  summary: 'Run the local OpenAI / Anthropic batch API emulator (compressed time, scripted faults)',
  usage: '[--port N] [--host H] [--scenario FILE] [--data-dir DIR] [--speed X]',
  help: [
    'Options:',
    '  --port N         port to listen on (default: a free port)',
    '  --host H         interface to listen on (default 127.0.0.1)',
    '  --scenario FILE  JSON or YAML scenario: clock, timing, limits, faults (see src/emulator/README.md)',
    '  --data-dir DIR   keep state here so a restart resumes batches (default: in memory)',
    '  --speed X        emulated seconds per real second (overrides the scenario clock; default 1000)',
  ].join('\n'),
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    scenario: { type: 'string' },
    'data-dir': { type: 'string' },
    speed: { type: 'string' },
  },
  // stops on ctx.interrupted and cleans up (see main's interruption)
  handlesInterruption: true,
  async run(ctx) {
    const port = numberFlag(ctx.values.port, 'port', (n) => Number.isInteger(n) && n >= 0 && n < 65_536);
    const speed = numberFlag(ctx.values.speed, 'speed', (n) => n > 0);
    const scenarioFile = stringFlag(ctx.values.scenario);
    // loaded on use: `longhaul --help` and the client commands stay quick to start
    const { loadScenario, ScenarioError } = await import('../../emulator/scenario-file.js');
    const { startEmulator } = await import('../../emulator/index.js');
    let scenario;
    try {
      scenario = loadScenario(scenarioFile);
    } catch (err) {
      if (err instanceof ScenarioError) throw new CliError(err.message);
      throw err;
    }
    if (speed !== undefined) scenario = { ...scenario, clock: { speed } };
    const dataDir = stringFlag(ctx.values['data-dir']);
    const host = stringFlag(ctx.values.host);
    const handle = await startEmulator({
      scenario,
      ...(port !== undefined ? { port } : {}),
      ...(host ? { host } : {}),
      ...(dataDir ? { dataDir } : {}),
      log: process.env.LONGHAUL_DEBUG ? (line) => ctx.stderr.write(`${line}\n`) : undefined,
    });
    ctx.stdout.write([
      `longhaul emulator listening on ${handle.url} (clock x${scenario.clock.speed}${dataDir ? `, state in ${dataDir}` : ''})`,
      `  OpenAI base URL:    ${handle.openaiBaseURL}`,
      `  Anthropic base URL: ${handle.anthropicBaseURL}`,
      `  inspect:            ${handle.url}/_emulator/inspect`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'));
    await ctx.interrupted;
    await handle.stop();
    ctx.stdout.write('emulator stopped\n');
    return 0;
  },
};

function stringFlag(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function numberFlag(value: unknown, name: string, valid: (n: number) => boolean): number | undefined {
  const text = stringFlag(value);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || !valid(n)) throw new CliError(`--${name}: not a valid value: ${text}`, 2);
  return n;
}
