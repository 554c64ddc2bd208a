import path from 'node:path';
import { CliError, type CliCommand } from '../cli-command';
import { portFlag, stringFlag } from '../cli-flags';
import { RUNTIME_OPTIONS, runtimeFlags, runtimeHelp } from '../runtime-flags';

/**
 * `longhaul dev`: the embedded stack in one command. The provider emulator answers unless
 * `--real-providers` is given: keys in the environment never switch to paid APIs on their own (the start says
 * they were seen and how to use them). Ctrl-C stops everything; starting again resumes unfinished jobs.
 */
/** Provider keys whose presence `dev` mentions on start (it never acts on them without --real-providers). */
const PROVIDER_KEY_VARS = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'AZURE_OPENAI_API_KEY'] as const;

export const devCommand: CliCommand = {
  name: 'dev',
  summary: 'Run the embedded stack: Temporal dev server + Web UI, provider emulator, worker',
  usage: '[--data-dir DIR] [--port N] [--ui-port N] [--real-providers] [--scenario FILE] [--ui-codec-endpoint URL] [--metrics-port N] [--log-level L] [--log-format text|json]',
  help: [
    '  --data-dir DIR        state folder (default ./.longhaul): Temporal SQLite file, emulator state, blobs, results',
    '  --port N              Temporal gRPC port (default 7233, or a free one)',
    '  --ui-port N           Temporal Web UI port (default 8233, or a free one)',
    '  --real-providers      use the real, paid provider APIs (keys from OPENAI_API_KEY, ANTHROPIC_API_KEY, ...)',
    '                        instead of the emulator (the default, even when keys are set)',
    '  --no-emulator         same as --real-providers;  --emulator: the default, kept for old scripts',
    '  --scenario FILE       emulator scenario (faults, timing) as JSON or YAML',
    '  --ui-codec-endpoint URL  codec server the Web UI decrypts payloads through (e.g. a `longhaul codec-server`);',
    '                        default: with LONGHAUL_PAYLOAD_KEY / LONGHAUL_PAYLOAD_KEY_FILE set, one of the stack\'s own',
    runtimeHelp('WARN'),
  ].join('\n'),
  options: {
    'data-dir': { type: 'string' },
    port: { type: 'string' },
    'ui-port': { type: 'string' },
    'real-providers': { type: 'boolean' },
    emulator: { type: 'boolean' },
    'no-emulator': { type: 'boolean' },
    scenario: { type: 'string' },
    'ui-codec-endpoint': { type: 'string' },
    ...RUNTIME_OPTIONS,
  },
  // stops on ctx.interrupted and cleans up (see main's interruption)
  handlesInterruption: true,
  async run(ctx) {
    const v = ctx.values;
    const keys = PROVIDER_KEY_VARS.filter((name) => Boolean(process.env[name]));
    if ((v['real-providers'] || v['no-emulator']) && v.emulator) throw new CliError('--emulator and --real-providers exclude each other', 2);
    const useEmulator = !(v['real-providers'] || v['no-emulator']);
    const temporalPort = portFlag(v.port, 'port');
    const uiPort = portFlag(v['ui-port'], 'ui-port');
    const dataDir = path.resolve((v['data-dir'] as string | undefined) ?? '.longhaul');
    const runtime = runtimeFlags(v);
    const uiCodecEndpoint = stringFlag(v['ui-codec-endpoint']);
    if (uiCodecEndpoint && !/^https?:\/\/[^/]/.test(uiCodecEndpoint)) throw new CliError(`--ui-codec-endpoint: "${uiCodecEndpoint}" is not an http(s) URL`, 2);
    // loaded on use: `longhaul --help` and the client commands stay quick to start
    const { startEmbeddedStack } = await import('../../dev/embedded-stack.js');
    const stack = await startEmbeddedStack({
      ...runtime,
      dataDir,
      ...(temporalPort !== undefined ? { temporalPort } : {}),
      ...(uiPort !== undefined ? { uiPort } : {}),
      ...(uiCodecEndpoint ? { uiCodecEndpoint } : {}),
      emulator: useEmulator ? { ...(v.scenario ? { scenario: path.resolve(v.scenario as string) } : {}) } : false,
    });
    const out = ctx.stdout;
    out.write(`Longhaul dev stack (state in ${dataDir})\n`);
    out.write(`  Temporal    ${stack.address}   (export TEMPORAL_ADDRESS=${stack.address})\n`);
    out.write(`  Web UI      ${stack.uiUrl}${stack.uiUrl ? `   (export LONGHAUL_UI_URL=${stack.uiUrl})` : ''}\n`);
    if (stack.config.payloadKeys) out.write(`  Payloads    encrypted (AES-256-GCM, key ${stack.config.payloadKeys[0]!.id}); clients need the same key\n`);
    if (stack.codecUrl) out.write(`  Codec       ${stack.codecUrl}   (the Web UI decrypts payloads through it)\n`);
    out.write(stack.emulator ? `  Emulator    ${stack.emulator.openaiBaseURL} (OpenAI), ${stack.emulator.anthropicBaseURL} (Anthropic)\n` : '  Providers   real APIs (keys from the environment)\n');
    if (useEmulator && keys.length > 0) {
      out.write(`  Note        ${keys.join(', ')} ${keys.length > 1 ? 'are' : 'is'} set, but jobs go to the emulator; run \`longhaul dev --real-providers\` to use the paid APIs\n`);
    }
    out.write(`  Worker      task queue "${stack.config.taskQueue}"${stack.metricsUrl ? `, metrics ${stack.metricsUrl}` : ''}\n`);
    out.write('Unfinished jobs resume on their own. Press Ctrl-C to stop.\n');
    await ctx.interrupted;
    out.write('Stopping...\n');
    await stack.stop();
    return 0;
  },
};
