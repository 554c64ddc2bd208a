import type { PoolClient } from 'pg';

/**
 * The result store's tables in PostgreSQL: the same tables and columns as the SQLite store (sqlite-result-store.ts,
 * sqlite-submit-records.ts), so the same rules read the same rows. Created on first use, idempotently, under an
 * advisory lock: workers starting together do not race on CREATE TABLE.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS items (
  job_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  line BIGINT NOT NULL,
  item_key TEXT NOT NULL,
  request_key TEXT,
  task_version TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT,
  message TEXT,
  generation INTEGER NOT NULL,
  round INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  tier TEXT NOT NULL,
  output TEXT,
  tokens_in BIGINT NOT NULL DEFAULT 0,
  tokens_out BIGINT NOT NULL DEFAULT 0,
  cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
  PRIMARY KEY (job_id, seq)
);
CREATE TABLE IF NOT EXISTS task_versions (
  task_version TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS answers (
  request_key TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  seq BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
  job_id TEXT PRIMARY KEY,
  generation INTEGER NOT NULL,
  total BIGINT NOT NULL,
  spec TEXT NOT NULL,
  dataset TEXT
);
CREATE TABLE IF NOT EXISTS batch_records (
  shard_attempt_id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  intent_at_ms BIGINT NOT NULL,
  batch_id TEXT,
  claim INTEGER NOT NULL DEFAULT 0,
  input_ref TEXT
);
CREATE TABLE IF NOT EXISTS stray_batches (
  batch_id TEXT PRIMARY KEY,
  shard_attempt_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  account TEXT,
  requests INTEGER NOT NULL,
  found_at_ms BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS stray_batches_job ON stray_batches (job_id);
CREATE TABLE IF NOT EXISTS create_leases (
  account TEXT PRIMARY KEY,
  shard_attempt_id TEXT NOT NULL,
  claim INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  since_ms BIGINT NOT NULL,
  touched_ms BIGINT NOT NULL
);
ALTER TABLE items ADD COLUMN IF NOT EXISTS model TEXT;
ALTER TABLE jobs ADD COLUMN IF NOT EXISTS updated_at_ms BIGINT;
`;

/** An arbitrary constant naming the advisory lock schema creation holds. */
const SCHEMA_LOCK = 7_461_203_911;

/** Creates the tables if they are missing (safe to run from many processes at once). */
export async function ensureSchema(client: PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await client.query(SCHEMA);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
