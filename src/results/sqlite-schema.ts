import type Database from 'better-sqlite3';

/**
 * The embedded result store's tables: outcomes, the answer cache, job records and the exactly-once batch records.
 * One owner for the schema, so that opening a file can tell, with reads only, whether anything needs writing.
 */
const TABLES = `
CREATE TABLE IF NOT EXISTS items (
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  line INTEGER NOT NULL,
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
  tokens_in INTEGER NOT NULL DEFAULT 0,
  tokens_out INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS task_versions (
  task_version TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS answers (
  request_key TEXT PRIMARY KEY,
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS jobs (
  job_id TEXT PRIMARY KEY,
  generation INTEGER NOT NULL,
  total INTEGER NOT NULL,
  spec TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS batch_records (
  shard_attempt_id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  intent_at_ms INTEGER NOT NULL,
  batch_id TEXT
);
CREATE TABLE IF NOT EXISTS stray_batches (
  batch_id TEXT PRIMARY KEY,
  shard_attempt_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  account TEXT,
  requests INTEGER NOT NULL,
  found_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS stray_batches_job ON stray_batches (job_id);
CREATE TABLE IF NOT EXISTS create_leases (
  account TEXT PRIMARY KEY,
  shard_attempt_id TEXT NOT NULL,
  claim INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  since_ms INTEGER NOT NULL,
  touched_ms INTEGER NOT NULL
);
`;

/** What TABLES creates, by sqlite_master's type and name. */
const CREATED = [
  ['table', 'items'], ['table', 'task_versions'], ['table', 'answers'], ['table', 'jobs'],
  ['table', 'batch_records'], ['table', 'stray_batches'], ['index', 'stray_batches_job'], ['table', 'create_leases'],
] as const;

/** Indexes of earlier versions, dropped: they slowed every upsert and served no query any more. */
const DROPPED_INDEXES = ['items_answers', 'items_task_answers', 'items_open'] as const;

/** Columns added after files were first written, added in place to older files. */
const ADDED_COLUMNS = [
  ['jobs', 'dataset', 'TEXT'],
  ['jobs', 'updated_at_ms', 'INTEGER'],
  // the producing model, per item: rows stored before it was kept read as null (the job's model)
  ['items', 'model', 'TEXT'],
  ['batch_records', 'claim', 'INTEGER NOT NULL DEFAULT 0'],
  ['batch_records', 'input_ref', 'TEXT'],
] as const;

/** Whether the file holds every table, index and column above and none of the dropped indexes (reads only). */
export function schemaIsCurrent(db: Database.Database): boolean {
  const present = new Set((db.prepare(`SELECT type, name FROM sqlite_master`).all() as Array<{ type: string; name: string }>).map((r) => `${r.type}:${r.name}`));
  if (!CREATED.every(([type, name]) => present.has(`${type}:${name}`))) return false;
  if (DROPPED_INDEXES.some((name) => present.has(`index:${name}`))) return false;
  return ADDED_COLUMNS.every(([table, column]) => columnsOf(db, table).has(column));
}

/**
 * Brings the file to the schema above. Run in one immediate transaction: workers starting together on a new file
 * would otherwise both see a column missing and one ALTER fail ("duplicate column name").
 */
export function upgradeSchema(db: Database.Database): void {
  db.exec(TABLES);
  for (const name of DROPPED_INDEXES) db.exec(`DROP INDEX IF EXISTS ${name}`);
  for (const [table, column, type] of ADDED_COLUMNS) {
    if (!columnsOf(db, table).has(column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
}

/** SQLite's "busy" answers, by better-sqlite3's extended codes (SQLITE_BUSY, SQLITE_BUSY_RECOVERY, ...). */
export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

function columnsOf(db: Database.Database, table: string): Set<string> {
  return new Set((db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name));
}
