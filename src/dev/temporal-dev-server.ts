import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SEARCH_ATTRIBUTE_TYPES } from '../contracts/search-attributes';
import { freePort } from './free-port';
import { registerSearchAttributes } from './register-search-attributes';
import { superviseProcess } from './process-supervisor';
import { ensureTemporalCli } from './temporal-cli';

export interface DevServerOptions {
  /** gRPC port; a free one when omitted. */
  port?: number;
  /** Web UI port; a free one when omitted. */
  uiPort?: number;
  /** No Web UI (tests). */
  headless?: boolean;
  /** SQLite file for durable state; in memory when omitted. */
  dbFile?: string;
  /** Where the server's output goes; discarded when omitted. */
  logFile?: string;
  /** How long to wait for the server to answer; default 60 s (the SDK's own helper waits only 5 s). */
  startTimeoutMs?: number;
  /** Binary; found (and installed if missing) by ensureTemporalCli when omitted. */
  executable?: string;
  /** Dynamic config values (`--dynamic-config-value KEY=JSON`), e.g. lower history limits in tests. */
  dynamicConfig?: Record<string, unknown>;
  /** A codec server the Web UI sends payloads to for decoding (`--ui-codec-endpoint`); ignored when headless. */
  uiCodecEndpoint?: string;
}

export interface DevServer {
  readonly address: string;
  readonly uiUrl: string | undefined;
  readonly executable: string;
  readonly pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s). It also ends when this process dies, even by SIGKILL. */
  stop(): Promise<void>;
}

export class DevServerStartError extends Error {
  override readonly name = 'DevServerStartError';
}

/** Asks the server for its health through the CLI; true once the frontend answers. */
export function isHealthy(executable: string, address: string): boolean {
  const probe = spawnSync(executable, ['operator', 'cluster', 'health', '--address', address], {
    stdio: 'ignore',
    timeout: 5_000,
  });
  return probe.status === 0;
}

/**
 * Starts `temporal server start-dev` with Longhaul's search attributes registered, and resolves once the
 * server reports healthy. The server runs under a supervisor process that ends it when this process dies,
 * even by SIGKILL (see process-supervisor.ts). The server is stopped if waiting fails.
 * @throws DevServerStartError when the process exits early or does not answer in time.
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const executable = options.executable ?? ensureTemporalCli();
  const port = options.port ?? (await freePort());
  const uiPort = options.headless ? undefined : (options.uiPort ?? (await freePort()));
  const address = `127.0.0.1:${port}`;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(uiPort), '--ui-disable-news-fetch');
  if (uiPort !== undefined && options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  if (options.dbFile) {
    mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) args.push('--search-attribute', `${name}=${type}`);
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);

  // supervised: the server ends with this process, even when it is killed with SIGKILL
  const child = await superviseProcess(executable, args, options.logFile ? { logFile: options.logFile } : {}).catch((err: Error) => {
    throw new DevServerStartError(err.message);
  });
  let exited: number | null | undefined;
  void child.exited.then((code) => (exited = code));

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!isHealthy(executable, address)) {
    if (exited !== undefined) throw new DevServerStartError(`temporal dev server exited with code ${exited} before answering on ${address}`);
    if (Date.now() > deadline) {
      await child.stop();
      throw new DevServerStartError(`temporal dev server did not answer on ${address} within ${options.startTimeoutMs ?? 60_000} ms`);
    }
    await sleep(250);
  }
  // a database from an older Longhaul lacks the search attributes added since (start-dev registers them only on a new file)
  const unregistered = options.dbFile ? registerSearchAttributes(executable, address) : undefined;
  if (unregistered) {
    await child.stop();
    throw new DevServerStartError(unregistered);
  }
  return {
    address,
    uiUrl: uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`,
    executable,
    pid: child.pid,
    stop: () => child.stop(),
  };
}
