import { loadConfig } from '../../config/longhaul-config';
import { CliError, type CliCommand } from '../cli-command';
import { DEFAULT_UI_URL, uiUrlOf } from '../cli-connection';
import { portFlag, stringFlag } from '../cli-flags';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Every --ui-origin given (repeatable, or comma-separated), else the UI's origins from --ui-url / LONGHAUL_UI_URL. */
function originsOf(values: Record<string, unknown>, fallbackUiUrl: string, uiOrigins: (url: string) => string[]): string[] {
  const given = ([] as unknown[]).concat(values['ui-origin'] ?? []).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean);
  if (given.length === 0) return uiOrigins(fallbackUiUrl);
  return given.map((origin) => {
    if (origin === '*') return origin;
    try {
      return new URL(origin).origin;
    } catch {
      throw new CliError(`--ui-origin: "${origin}" is not a URL such as http://localhost:8233`, 2);
    }
  });
}

/**
 * `longhaul codec-server`: the Temporal codec server for the Web UI and the `temporal` CLI, with the payload key
 * ring of the workers (LONGHAUL_PAYLOAD_KEY / LONGHAUL_PAYLOAD_KEY_FILE). Whoever can reach it reads payloads:
 * it listens on loopback by default and refuses other addresses without a bearer token.
 */
export const codecServerCommand: CliCommand = {
  name: 'codec-server',
  summary: 'Serve /encode and /decode so the Temporal Web UI and CLI show encrypted payloads to key holders',
  usage: '[--port N] [--host H] [--ui-origin URL ...] [--auth-token T] [--allow-no-auth]',
  help: [
    '  --port N              port (default 8888; 0 picks a free one)',
    '  --host H              address to listen on (default 127.0.0.1)',
    `  --ui-origin URL       browser origin allowed by CORS, repeatable (default: the --ui-url / LONGHAUL_UI_URL origin,`,
    `                        ${DEFAULT_UI_URL}, and its localhost / 127.0.0.1 twin); * allows any origin`,
    '  --ui-url URL          the Web UI whose origin to allow (see --ui-origin)',
    '  --auth-token T        require "Authorization: Bearer T" (default: LONGHAUL_CODEC_AUTH_TOKEN; prefer the variable:',
    '                        flags show in process lists). The UI sends its own access token when its codec setting',
    '                        passAccessToken is on; the CLI sends --codec-auth "Bearer T"',
    '  --allow-no-auth       listen on a non-loopback address without a token (anyone reaching it reads payloads)',
    'Keys: LONGHAUL_PAYLOAD_KEY or LONGHAUL_PAYLOAD_KEY_FILE, the same ring the workers use (README: Encryption).',
    'Use it: temporal server start-dev --ui-codec-endpoint URL (longhaul dev does this itself when a key is set),',
    '  or temporal workflow show --codec-endpoint URL [--codec-auth "Bearer T"].',
  ].join('\n'),
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    'ui-origin': { type: 'string', multiple: true },
    'ui-url': { type: 'string' },
    'auth-token': { type: 'string' },
    'allow-no-auth': { type: 'boolean' },
  },
  handlesInterruption: true,
  async run(ctx) {
    const v = ctx.values;
    const keys = loadConfig(process.env).payloadKeys;
    if (!keys) throw new CliError('no payload key: set LONGHAUL_PAYLOAD_KEY (base64 of 32 bytes) or LONGHAUL_PAYLOAD_KEY_FILE', 2);
    const host = stringFlag(v.host) ?? '127.0.0.1';
    const port = portFlag(v.port, 'port') ?? 8888;
    const authToken = stringFlag(v['auth-token']) ?? stringFlag(process.env.LONGHAUL_CODEC_AUTH_TOKEN);
    if (!authToken && !LOOPBACK.has(host) && !v['allow-no-auth']) {
      throw new CliError(`refusing to serve decrypted payloads on ${host} without --auth-token or LONGHAUL_CODEC_AUTH_TOKEN (or --allow-no-auth)`, 2);
    }
    const { startCodecServer, uiOrigins } = await import('../../codec/codec-server.js');
    const origins = originsOf(v, uiUrlOf(v), uiOrigins);
    const server = await startCodecServer({ keys, host, port, origins, ...(authToken ? { authToken } : {}), log: (line) => ctx.stderr.write(`${line}\n`) }).catch(
      (err: NodeJS.ErrnoException) => {
        throw new CliError(err.code === 'EADDRINUSE' ? `port ${port} on ${host} is in use (try --port 0)` : `cannot listen on ${host}:${port}: ${err.message}`);
      },
    );
    ctx.stdout.write(
      `longhaul codec-server ready: ${server.url} (key ids ${keys.map((k) => k.id).join(', ')}; encrypts with ${keys[0]!.id}), ` +
        `CORS for ${origins.join(', ')}, ${authToken ? 'bearer token required' : 'no auth'}\n`,
    );
    await ctx.interrupted;
    await server.stop();
    return 0;
  },
};
