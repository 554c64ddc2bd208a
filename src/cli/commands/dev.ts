import path from 'node:path';
import type { CliCommand } from '../cli-command';
import { RUNTIME_OPTIONS, runtimeFlags, runtimeHelp } from '../runtime-flags';

/**
 * `longhaul dev`: the embedded stack in one command. Real provider keys in the environment switch the
 * emulator off (or force it with --emulator). Ctrl-C stops everything; starting again resumes unfinished jobs.
 */
export const devCommand: CliCommand = {
  name: 'dev',
  summary: 'Run the embedded stack: Temporal dev server + Web UI, provider emulator, worker',
  usage: '[--data-dir DIR] [--port N] [--ui-port N] [--emulator | --no-emulator] [--scenario FILE] [--metrics-port N] [--log-level L] [--log-format text|json]',
  help: [
    '  --data-dir DIR        state folder (default ./.longhaul): Temporal SQLite file, emulator state, blobs, results',
    '  --port N              Temporal gRPC port (default 7233, or a free one)',
    '  --ui-port N           Temporal Web UI port (default 8233, or a free one)',
    '  --emulator            run the provider emulator even if provider keys are set',
    '  --no-emulator         use the real providers (keys from OPENAI_API_KEY, ANTHROPIC_API_KEY, ...)',
    '  --scenario FILE       emulator scenario (faults, timing) as JSON or YAML',
    runtimeHelp('WARN'),
  ].join('\n'),
  options: {
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    'ui-port': { type: 'string' },
    emulator: { type: 'boolean' },
    'no-emulator': { type: 'boolean' },
    scenario: { type: 'string' },
    ...RUNTIME_OPTIONS,
  },
  // stops on ctx.interrupted and cleans up (see main's interruption)
  handlesInterruption: true,
  async run(ctx) {
    const v = ctx.values;
    const realKeys = Boolean(process.env.OPENAI_API_KEY || process.env.ANTHROPIC_API_KEY || process.env.AZURE_OPENAI_API_KEY);
    const useEmulator = v['no-emulator'] ? false : v.emulator ? true : !realKeys;
    const dataDir = path.resolve((v['data-dir'] as string | undefined) ?? '.longhaul');
    const runtime = runtimeFlags(v);
    // loaded on use: `longhaul --help` and the client commands stay quick to start
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { startEmbeddedStack } = require('../../dev/embedded-stack') as typeof import('../../dev/embedded-stack');
    const stack = await startEmbeddedStack({
      ...runtime,
      dataDir,
      ...(v.port ? { temporalPort: Number(v.port) } : {}),
      ...(v['ui-port'] ? { uiPort: Number(v['ui-port']) } : {}),
      emulator: useEmulator ? { ...(v.scenario ? { scenario: path.resolve(v.scenario as string) } : {}) } : false,
    });
    const out = ctx.stdout;
    out.write(`Longhaul dev stack (state in ${dataDir})\n`);
    out.write(`  Temporal    ${stack.address}   (export TEMPORAL_ADDRESS=${stack.address})\n`);
    out.write(`  Web UI      ${stack.uiUrl}${stack.uiUrl ? `   (export LONGHAUL_UI_URL=${stack.uiUrl})` : ''}\n`);
    out.write(stack.emulator ? `  Emulator    ${stack.emulator.openaiBaseURL} (OpenAI), ${stack.emulator.anthropicBaseURL} (Anthropic)\n` : '  Providers   real APIs (keys from the environment)\n');
    out.write(`  Worker      task queue "${stack.config.taskQueue}"${stack.metricsUrl ? `, metrics ${stack.metricsUrl}` : ''}\n`);
    out.write('Unfinished jobs resume on their own. Press Ctrl-C to stop.\n');
    await ctx.interrupted;
    out.write('Stopping...\n');
    await stack.stop();
    return 0;
  },
};
