import { loadConfig } from '../config/longhaul-config';
import { startCodecServer, uiOrigins, type CodecServer } from '../codec/codec-server';

/**
 * The dev stack's own codec server, for its Web UI on `uiPort`: started when a payload key is set
 * (LONGHAUL_PAYLOAD_KEY / LONGHAUL_PAYLOAD_KEY_FILE) and no other endpoint was given. Loopback only, no token:
 * whoever can reach it on this machine holds the key's environment anyway; CORS admits only that UI.
 */
export async function stackCodecServer(options: { env?: NodeJS.ProcessEnv; uiCodecEndpoint?: string }, dataDir: string, uiPort: number): Promise<CodecServer | undefined> {
  if (options.uiCodecEndpoint) return undefined;
  const keys = loadConfig(options.env ?? process.env, { dataDir }).payloadKeys;
  if (!keys) return undefined;
  return startCodecServer({ keys, host: '127.0.0.1', port: 0, origins: uiOrigins(`http://127.0.0.1:${uiPort}`) });
}
