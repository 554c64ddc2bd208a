import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from './free-port';
import { childExited } from './child-exit';

/** A throwaway PostgreSQL server (tests, benchmarks): its URL, a way to make fresh databases, and stop. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust authentication, loopback only). */
  adminUrl: string;
  port: number;
  /** The directory of its data: `startPostgresServer({ dir, port })` starts it again on that data (a restart). */
  dir: string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Fast shutdown (clients are disconnected); the data directory is deleted unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** The directory holding initdb and postgres: $LONGHAUL_POSTGRES_BIN, PATH, else Debian's /usr/lib/postgresql/<v>/bin. */
export function findPostgresBin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env.LONGHAUL_POSTGRES_BIN, ...(env.PATH ?? '').split(path.delimiter)];
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) for (const version of readdirSync(debian).sort().reverse()) candidates.push(path.join(debian, version, 'bin'));
  return candidates.find((dir) => dir && existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres')));
}

/**
 * Starts PostgreSQL in a new data directory on a free loopback port, tuned for throwaway data (no fsync). It
 * refuses to run as root, so as root the server runs as the `postgres` user (Debian's package creates it) with
 * a data directory that user owns. Waits until it accepts connections. Given the `dir` and `port` of a server
 * stopped with `keepData`, starts it again on its data, as a database server restarting.
 * @throws Error when the binaries are missing (scripts/install-postgres.sh installs them) or it does not start.
 */
export async function startPostgresServer(options: { bin?: string; startTimeoutMs?: number; dir?: string; port?: number } = {}): Promise<PostgresServer> {
  const bin = options.bin ?? findPostgresBin();
  if (!bin) throw new Error('PostgreSQL server binaries not found: run scripts/install-postgres.sh or set LONGHAUL_POSTGRES_BIN');
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'longhaul-pg-'));
  const data = path.join(dir, 'data');
  const fresh = !existsSync(path.join(data, 'PG_VERSION'));
  mkdirSync(data, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const postgres = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const uid = Number(postgres.stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    if (!Number.isInteger(uid) || postgres.status !== 0) throw new Error('running as root and there is no postgres user to run PostgreSQL as');
    chownSync(dir, uid, gid);
    chownSync(data, uid, gid);
  }
  const run = (command: string, args: string[]) => (asRoot ? { command: 'runuser', args: ['-u', 'postgres', '--', command, ...args] } : { command, args });
  const init = run(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const initialized = fresh ? spawnSync(init.command, init.args, { encoding: 'utf8' }) : { status: 0, stderr: '', stdout: '' };
  if (initialized.status !== 0) throw new Error(`initdb failed: ${initialized.stderr || initialized.stdout}`);
  const port = options.port ?? (await freePort());
  const start = run(path.join(bin, 'postgres'), ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200']);
  // its own process group: as root, runuser ignores SIGINT and turns SIGTERM into a SIGKILL after 2 s, so stop()
  // signals the whole group and PostgreSQL itself gets the fast-shutdown SIGINT
  const child: ChildProcess = spawn(start.command, start.args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      child.kill(name); // the group is gone already
    }
  };
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    const client = new Client({ connectionString: adminUrl });
    try {
      await client.connect();
      await client.end();
      break;
    } catch {
      await client.end().catch(() => undefined);
      if (child.exitCode !== null || Date.now() > deadline) {
        signal('SIGKILL');
        if (!options.dir) rmSync(dir, { recursive: true, force: true });
        throw new Error(`PostgreSQL did not start on port ${port}:\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    adminUrl,
    port,
    dir,
    createDatabase: (name) => createDatabase(adminUrl, name),
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null) {
        signal('SIGINT'); // fast shutdown: disconnects clients
        if (!(await childExited(child, 10_000))) signal('SIGKILL');
      }
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}

let databases = 0;

/** Creates an empty database through a server's admin URL and returns the new database's URL. */
export async function createDatabase(adminUrl: string, name = `longhaul_${process.pid}_${++databases}_${Math.random().toString(36).slice(2, 8)}`): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
