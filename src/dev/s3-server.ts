import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port';
import { projectRoot } from './project-root';
import { childExited } from './child-exit';

/** A throwaway S3-compatible server (versitygw) for tests and benchmarks. */
export interface S3Server {
  /** `http://127.0.0.1:PORT` (AWS_ENDPOINT_URL_S3). */
  endpoint: string;
  port: number;
  /** Its metadata and data directories' parent: `startS3Server({ dir, port, secretAccessKey })` starts it again on them. */
  dir: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Creates a bucket (at least 3 characters) and returns its name. */
  createBucket(name?: string): Promise<string>;
  /** The environment that points the AWS SDK (and Longhaul) at this server. */
  env(): Record<string, string>;
  /** Stops the server; its directories are deleted unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** versitygw: $LONGHAUL_VERSITYGW, PATH, else .tools/versitygw/bin (scripts/install-versitygw.sh puts it there). */
export function findVersitygw(env: NodeJS.ProcessEnv = process.env, root = projectRoot()): string | undefined {
  const candidates = [env.LONGHAUL_VERSITYGW, ...(env.PATH ?? '').split(path.delimiter).map((dir) => dir && path.join(dir, 'versitygw')), path.join(root, '.tools', 'versitygw', 'bin', 'versitygw')];
  return candidates.find((file) => {
    if (!file) return false;
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Starts versitygw's POSIX backend in a new directory on a free loopback port, with root credentials of its
 * own (SigV4 is checked: a wrong secret is refused), and waits until it answers. Given the `dir`, `port` and
 * secret of a server stopped with `keepData`, starts it again on its buckets and objects (a restart).
 * @throws Error when the binary is missing (scripts/install-versitygw.sh builds it) or it does not start.
 */
export async function startS3Server(options: { bin?: string; startTimeoutMs?: number; dir?: string; port?: number; secretAccessKey?: string } = {}): Promise<S3Server> {
  const bin = options.bin ?? findVersitygw();
  if (!bin) throw new Error('versitygw not found: run scripts/install-versitygw.sh or set LONGHAUL_VERSITYGW');
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'longhaul-s3-'));
  const [meta, data] = [path.join(dir, 'meta'), path.join(dir, 'data')];
  mkdirSync(meta, { recursive: true });
  mkdirSync(data, { recursive: true });
  const port = options.port ?? (await freePort());
  const accessKeyId = 'longhaul-test';
  const secretAccessKey = options.secretAccessKey ?? `secret-${Math.random().toString(36).slice(2)}`;
  const child: ChildProcess = spawn(bin, ['--port', `127.0.0.1:${port}`, 'posix', '--sidecar', meta, data], {
    env: { ...process.env, ROOT_ACCESS_KEY: accessKeyId, ROOT_SECRET_KEY: secretAccessKey },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
  let buckets = 0;
  const createBucket = async (name = `longhaul-${++buckets}-${Math.random().toString(36).slice(2, 8)}`) => {
    await client.send(new CreateBucketCommand({ Bucket: name }));
    return name;
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (let ready = false; !ready; ) {
    try {
      await createBucket('longhaul-ready');
      ready = true;
    } catch (err) {
      // started again on its data: the bucket is there from before
      if ((err as Error).name === 'BucketAlreadyOwnedByYou' || (err as Error).name === 'BucketAlreadyExists') break;
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        if (!options.dir) rmSync(dir, { recursive: true, force: true });
        throw new Error(`versitygw did not start on port ${port}:\n${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    endpoint,
    port,
    dir,
    accessKeyId,
    secretAccessKey,
    createBucket,
    env: () => ({ AWS_ENDPOINT_URL_S3: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey }),
    async stop({ keepData = false } = {}) {
      client.destroy();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        if (!(await childExited(child, 5_000))) child.kill('SIGKILL');
      }
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}
