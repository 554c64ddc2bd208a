import { setTimeout as sleep } from 'node:timers/promises';
import { startPostgresServer, type PostgresServer } from '../../src/dev/postgres-server';
import { startS3Server, type S3Server } from '../../src/dev/s3-server';

/**
 * The stores that span machines, for `--storage` runs: a PostgreSQL server (result store) and versitygw (blob
 * store) of the run's own, that a schedule stops and starts again on their data. Each schedule gets a database
 * and a bucket of its own.
 */
export interface ChaosStores {
  /** The environment a schedule's workers and client read: a new database and a new bucket. */
  scheduleEnv(name: string): Promise<Record<string, string>>;
  /** Stops PostgreSQL (fast shutdown: every connection dropped), `downMs` of nothing, then starts it on its data and port. */
  restartPostgres(downMs: number): Promise<void>;
  /** Stops versitygw, `downMs` of nothing, then starts it on its buckets, port and secret. */
  restartS3(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startChaosStores(): Promise<ChaosStores> {
  let postgres: PostgresServer | undefined = await startPostgresServer();
  let s3: S3Server | undefined = await startS3Server();
  const { dir: pgDir, port: pgPort } = postgres;
  const { dir: s3Dir, port: s3Port, secretAccessKey } = s3;
  return {
    async scheduleEnv(name) {
      const safe = name.replace(/[^a-z0-9]/gi, '_').toLowerCase();
      const url = await postgres!.createDatabase(`chaos_${safe}`);
      const bucket = await s3!.createBucket(`chaos-${safe.replace(/_/g, '-')}`.slice(0, 63));
      return { ...s3!.env(), LONGHAUL_RESULT_STORE: url, LONGHAUL_BLOB_STORE: `s3://${bucket}/longhaul` };
    },
    async restartPostgres(downMs) {
      await postgres?.stop({ keepData: true });
      postgres = undefined;
      await sleep(downMs);
      postgres = await startPostgresServer({ dir: pgDir, port: pgPort });
    },
    async restartS3(downMs) {
      await s3?.stop({ keepData: true });
      s3 = undefined;
      await sleep(downMs);
      s3 = await startS3Server({ dir: s3Dir, port: s3Port, secretAccessKey });
    },
    async stop() {
      await Promise.all([postgres?.stop(), s3?.stop()]);
    },
  };
}
