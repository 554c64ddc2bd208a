import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { attemptOrder, emptyStateCounts, outputJsonOf, parsedOutcome, type ItemOutcome, type ItemState, type StoredOutcome } from './item-outcome';
import type { AttemptOutcome, CachedAnswer, JobRecord, OutcomeCounts, ResultStore } from './result-store';
import { JOB_ROW_CLAUSES, jobRowValues, type JobRows } from './job-rows';
import { ModelTierTally } from './model-tier-tally';
import { SqliteSubmitRecords } from './sqlite-submit-records';
import { isBusy, schemaIsCurrent, upgradeSchema } from './sqlite-schema';
import { OUTCOME_REPLACES, OUTCOME_UPDATE } from './outcome-upsert-rule';
import { pagedOutcomes } from './paged-outcomes';
import type { BatchRecord, CreateLease, StrayBatch } from './submit-records';

// What is the same for every outcome of a call is written into the statement as literals: the job id, task
// version and model always, and for succeeded outcomes (the bulk of a collect) also their state, attempt and tier, which
// leaves 8 values to bind per item instead of 15.
const UPSERT_TAIL = `
ON CONFLICT (job_id, seq) DO UPDATE SET ${OUTCOME_UPDATE}
WHERE ${OUTCOME_REPLACES}`;

const UPSERT_HEAD = `
INSERT INTO items (job_id, seq, line, item_key, request_key, task_version, model, state, reason, message,
                   generation, round, attempt, tier, output, tokens_in, tokens_out, cost_usd)`;

/** Binds: seq, line, item_key, request_key, state, reason, message, generation, round, attempt, tier, output, tokens_in, tokens_out, cost_usd. */
function upsertSql(jobId: string, taskVersion: string, model: string | null): string {
  return `${UPSERT_HEAD}
VALUES (${sqlText(jobId)}, ?, ?, ?, ?, ${sqlText(taskVersion)}, ${sqlTextOrNull(model)}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)${UPSERT_TAIL}`;
}

/**
 * Succeeded outcomes of one attempt and tier, `rows` per statement (many rows per statement spread the cost of
 * running one over them). Binds per row: seq, line, item_key, request_key, output, tokens_in, tokens_out, cost_usd.
 * Rows of one statement are upserted in order, as if one statement ran per row.
 */
function upsertSucceededSql(jobId: string, taskVersion: string, model: string | null, at: AttemptAt, rows: number): string {
  const attempt = `${at.generation}, ${at.round}, ${attemptOrder(at.generation, at.round)}, ${sqlText(at.tier)}`;
  const row = `(${sqlText(jobId)}, ?, ?, ?, ?, ${sqlText(taskVersion)}, ${sqlTextOrNull(model)}, 'succeeded', NULL, NULL, ${attempt}, ?, ?, ?, ?)`;
  return `${UPSERT_HEAD}
VALUES ${Array<string>(rows).fill(row).join(',\n       ')}${UPSERT_TAIL}`;
}

/** Rows per multi-row statement: past a dozen or so, longer statements save nothing more. */
const ROWS_PER_STATEMENT = 16;
const SUCCEEDED_BINDS = 8;

type AttemptAt = Pick<ItemOutcome, 'generation' | 'round' | 'tier'>;

/** A SQL string literal. */
function sqlText(value: string): string {
  if (value.includes('\u0000')) throw new Error('a job id or task version cannot hold a NUL character');
  return `'${value.replace(/'/g, "''")}'`;
}

function sqlTextOrNull(value: string | null): string {
  return value === null ? 'NULL' : sqlText(value);
}

/**
 * Switches the file to WAL. Two processes switching a new file at the same instant: SQLite answers the second
 * SQLITE_BUSY at once (the busy timeout does not apply to that lock), so it waits a little and tries again.
 */
function enableWal(db: Database.Database): void {
  for (let attempt = 1; ; attempt++) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if (!isBusy(err) || attempt >= 100) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50); // a constructor cannot await
    }
  }
}

/**
 * The embedded result store: one SQLite file (WAL), safe for several worker processes on one machine.
 * Calls are synchronous underneath (better-sqlite3) and batched into transactions by the caller's arrays.
 */
export class SqliteResultStore implements ResultStore {
  private readonly db: Database.Database;
  private readonly upserts = new Map<string, Database.Statement>();
  private readonly pageStatement: Database.Statement;
  private readonly upsertMany: (jobId: string, taskVersion: string, model: string | null, outcomes: readonly ItemOutcome[]) => void;
  private readonly submits: SqliteSubmitRecords;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    // first: another process opening the file at the same time (a worker starting beside another) holds a lock
    // that creating the tables must wait for, not fail on ("database is locked")
    this.db.pragma('busy_timeout = 15000');
    enableWal(this.db);
    // FULL: each transaction (thousands of outcomes) is on disk before an activity reports it done
    this.db.pragma('synchronous = FULL');
    // SQLite's own default size: 32 MiB bought no speed (1,000,000 outcomes upserted as collects write them, at the
    // same rate either way), and its pages, each a small allocation among the worker's others, held ~40 MB of the
    // C heap that glibc could not give back (docs/performance.md, "Worker memory")
    this.db.pragma('cache_size = -2048');
    // a store whose schema is current is opened with reads only: a worker starting while another process holds
    // the write lock (a long transaction, or a process paused in one) starts, instead of waiting on that lock
    if (!schemaIsCurrent(this.db)) this.db.transaction(() => upgradeSchema(this.db)).immediate();
    this.submits = new SqliteSubmitRecords(this.db);
    // arrays, not objects, and only the columns an outcome has: this reads every item of a job at finalize
    this.pageStatement = this.db
      .prepare(
        `SELECT ${PAGE_COLUMNS.join(', ')} FROM items WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT 2000`,
      )
      .raw(true);
    // positional parameters and no intermediate objects: this runs once per item
    this.upsertMany = this.db.transaction((jobId: string, taskVersion: string, model: string | null, outcomes: readonly ItemOutcome[]) => {
      let general: Database.Statement | undefined;
      // succeeded outcomes of one attempt and tier gather in `binds` and go ROWS_PER_STATEMENT at a time
      const binds: unknown[] = [];
      let at: AttemptAt | undefined;
      const flush = () => {
        if (binds.length === 0) return;
        if (binds.length === ROWS_PER_STATEMENT * SUCCEEDED_BINDS) {
          this.statement(jobId, taskVersion, model, at, ROWS_PER_STATEMENT).run(binds);
        } else {
          const one = this.statement(jobId, taskVersion, model, at, 1);
          for (let i = 0; i < binds.length; i += SUCCEEDED_BINDS) one.run(binds.slice(i, i + SUCCEEDED_BINDS));
        }
        binds.length = 0;
      };
      for (const o of outcomes) {
        if (o.state === 'succeeded' && o.reason === null && o.message === null && Number.isInteger(o.generation) && Number.isInteger(o.round)) {
          if (!at || o.generation !== at.generation || o.round !== at.round || o.tier !== at.tier) {
            flush();
            at = o;
          }
          binds.push(o.seq, o.line, o.itemKey, o.requestKey, outputJsonOf(o), o.tokensIn, o.tokensOut, o.costUsd);
          if (binds.length === ROWS_PER_STATEMENT * SUCCEEDED_BINDS) flush();
        } else {
          flush(); // keep the order of outcomes: a later one for the same item must come later
          general ??= this.statement(jobId, taskVersion, model);
          general.run(
            o.seq, o.line, o.itemKey, o.requestKey, o.state, o.reason, o.message,
            o.generation, o.round, attemptOrder(o.generation, o.round), o.tier, outputJsonOf(o), o.tokensIn, o.tokensOut, o.costUsd,
          );
        }
      }
      flush();
    });
  }

  /**
   * The upsert statement for a job and task version: the general one, or with `at` the one for `rows` succeeded
   * outcomes of that attempt and tier.
   */
  private statement(jobId: string, taskVersion: string, model: string | null, at?: AttemptAt, rows = 1): Database.Statement {
    const task = `${jobId}\n${taskVersion}\n${model ?? '\u0000'}`;
    const key = at ? `${task}\n${at.generation}\n${at.round}\n${at.tier}\n${rows}` : task;
    let statement = this.upserts.get(key);
    if (!statement) {
      if (this.upserts.size >= 64) this.upserts.clear(); // a worker serves a handful of jobs at once
      statement = this.db.prepare(at ? upsertSucceededSql(jobId, taskVersion, model, at, rows) : upsertSql(jobId, taskVersion, model));
      this.upserts.set(key, statement);
    }
    return statement;
  }

  async upsertOutcomes(jobId: string, taskVersion: string, outcomes: readonly ItemOutcome[], model?: string): Promise<void> {
    if (outcomes.length > 0) this.upsertMany(jobId, taskVersion, model ?? null, outcomes);
  }

  async hasAnswersFor(taskVersion: string): Promise<boolean> {
    return this.db.prepare(`SELECT 1 FROM task_versions WHERE task_version = ?`).get(taskVersion) !== undefined;
  }

  async findCached(requestKeys: readonly string[]): Promise<Map<string, CachedAnswer>> {
    const found = new Map<string, CachedAnswer>();
    // the item must still hold that request's answer (a later generation may have replaced it)
    const lookup = this.db.prepare(
      `SELECT i.output FROM answers a JOIN items i ON i.job_id = a.job_id AND i.seq = a.seq
       WHERE a.request_key = ? AND i.request_key = a.request_key AND i.state = 'succeeded'`,
    );
    for (const requestKey of requestKeys) {
      const row = lookup.get(requestKey) as { output: string | null } | undefined;
      if (row) found.set(requestKey, { requestKey, output: row.output === null ? null : JSON.parse(row.output) });
    }
    return found;
  }

  async indexAnswers(jobId: string): Promise<void> {
    // sorted by key, so the index grows by appends and merges instead of one random insert per item
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO answers (request_key, job_id, seq)
           SELECT request_key, job_id, seq FROM items
           WHERE job_id = ? AND state = 'succeeded' AND request_key IS NOT NULL ORDER BY request_key
           ON CONFLICT (request_key) DO UPDATE SET job_id = excluded.job_id, seq = excluded.seq`,
        )
        .run(jobId);
      this.db
        .prepare(`INSERT INTO task_versions (task_version) SELECT DISTINCT task_version FROM items WHERE job_id = ? AND state = 'succeeded' ON CONFLICT DO NOTHING`)
        .run(jobId);
    })();
  }

  async counts(jobId: string): Promise<OutcomeCounts> {
    const byState = emptyStateCounts();
    const byReason: Record<string, number> = {};
    const byTier: OutcomeCounts['byTier'] = {};
    const byModelTier = new ModelTierTally();
    let tokensIn = 0;
    let tokensOut = 0;
    let costUsd = 0;
    const rows = this.db
      .prepare(
        `SELECT state, reason, tier, model, COUNT(*) AS n, SUM(tokens_in) AS tin, SUM(tokens_out) AS tout, SUM(cost_usd) AS cost
         FROM items WHERE job_id = ? GROUP BY state, reason, tier, model`,
      )
      .all(jobId) as Array<{ state: ItemState; reason: string | null; tier: string; model: string | null; n: number; tin: number; tout: number; cost: number }>;
    for (const row of rows) {
      byModelTier.add(row);
      byState[row.state] += row.n;
      if (row.reason && (row.state === 'failed' || row.state === 'failed_retryable')) byReason[row.reason] = (byReason[row.reason] ?? 0) + row.n;
      const tier = (byTier[row.tier] ??= { items: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 });
      tier.items += row.n;
      tier.tokensIn += row.tin;
      tier.tokensOut += row.tout;
      tier.costUsd += row.cost;
      tokensIn += row.tin;
      tokensOut += row.tout;
      costUsd += row.cost;
    }
    return { byState, byReason, byTier, byModelTier: byModelTier.list(), tokensIn, tokensOut, costUsd };
  }

  async seqsInStates(jobId: string, states: readonly ItemState[]): Promise<number[]> {
    const marks = states.map(() => '?').join(',');
    const rows = this.db.prepare(`SELECT seq FROM items WHERE job_id = ? AND state IN (${marks}) ORDER BY seq`).pluck().all(jobId, ...states);
    return rows as number[];
  }

  async retryable(jobId: string, generation: number, round: number) {
    return this.db
      .prepare(`SELECT seq, reason, message FROM items WHERE job_id = ? AND attempt = ? AND state = 'failed_retryable' ORDER BY seq`)
      .all(jobId, attemptOrder(generation, round)) as Array<{ seq: number; reason: string; message: string | null }>;
  }

  async outcomesAt(jobId: string, generation: number, round: number, fromSeq: number, toSeq: number): Promise<AttemptOutcome[]> {
    return this.db
      .prepare(
        `SELECT seq, state, tokens_in AS tokensIn, tokens_out AS tokensOut, cost_usd AS costUsd
         FROM items WHERE job_id = ? AND seq BETWEEN ? AND ? AND attempt = ?`,
      )
      .all(jobId, fromSeq, toSeq, attemptOrder(generation, round)) as AttemptOutcome[];
  }

  async closeRetryable(jobId: string, note: string): Promise<number> {
    const result = this.db
      .prepare(
        `UPDATE items SET state = 'failed', message = ? || ': ' || COALESCE(message, reason)
         WHERE job_id = ? AND state = 'failed_retryable'`,
      )
      .run(note, jobId);
    return result.changes;
  }

  async *iterate(jobId: string): AsyncIterable<ItemOutcome> {
    for await (const stored of this.iterateStored(jobId)) yield parsedOutcome(stored);
  }

  async *iterateStored(jobId: string): AsyncIterable<StoredOutcome> {
    yield* pagedOutcomes((after) => this.page(jobId, after));
  }

  /** Up to 2,000 outcomes after a seq, in seq order (paging keeps no statement open across awaits). */
  async page(jobId: string, afterSeq: number): Promise<StoredOutcome[]> {
    return (this.pageStatement.all(jobId, afterSeq) as PageRow[]).map(toStoredOutcome);
  }

  async coverage(jobId: string): Promise<{ items: number; maxSeq: number; failed: number }> {
    const row = this.db
      .prepare(`SELECT COUNT(*) AS items, MAX(seq) AS maxSeq, COUNT(*) FILTER (WHERE state IN ('failed', 'failed_retryable')) AS failed FROM items WHERE job_id = ?`)
      .get(jobId) as { items: number; maxSeq: number | null; failed: number };
    return { items: row.items, maxSeq: row.maxSeq ?? -1, failed: row.failed };
  }

  async duplicateKeys(jobId: string): Promise<number> {
    const row = this.db
      .prepare(`SELECT COUNT(*) AS n FROM (SELECT item_key FROM items WHERE job_id = ? GROUP BY item_key HAVING COUNT(*) > 1)`)
      .get(jobId) as { n: number };
    return row.n;
  }

  getBatchRecord(shardAttemptId: string): Promise<BatchRecord | undefined> {
    return this.submits.getBatchRecord(shardAttemptId);
  }

  claimSubmit(shardAttemptId: string, provider: string, atMs: number): Promise<{ record: BatchRecord; claim: number }> {
    return this.submits.claimSubmit(shardAttemptId, provider, atMs);
  }

  recordBatchInput(shardAttemptId: string, claim: number, inputRef: string): Promise<boolean> {
    return this.submits.recordBatchInput(shardAttemptId, claim, inputRef);
  }

  recordBatchCreated(shardAttemptId: string, batchId: string, claim: number): Promise<string | null> {
    return this.submits.recordBatchCreated(shardAttemptId, batchId, claim);
  }

  closeSubmit(shardAttemptId: string, provider: string, atMs: number): Promise<BatchRecord> {
    return this.submits.closeSubmit(shardAttemptId, provider, atMs);
  }

  recordedBatchIds(provider: string, sinceMs: number): Promise<string[]> {
    return this.submits.recordedBatchIds(provider, sinceMs);
  }

  recordStray(stray: StrayBatch): Promise<void> {
    return this.submits.recordStray(stray);
  }

  strays(jobId: string): Promise<StrayBatch[]> {
    return this.submits.strays(jobId);
  }

  takeCreateLease(holder: Omit<CreateLease, 'sinceMs' | 'touchedMs'>, atMs: number): Promise<CreateLease> {
    return this.submits.takeCreateLease(holder, atMs);
  }

  releaseCreateLease(account: string, shardAttemptId: string, claim: number): Promise<void> {
    return this.submits.releaseCreateLease(account, shardAttemptId, claim);
  }

  createLeaseOf(shardAttemptId: string): Promise<CreateLease | undefined> {
    return this.submits.createLeaseOf(shardAttemptId);
  }

  async upsertJob(job: JobRecord): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO jobs (job_id, generation, total, spec, dataset, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (job_id) DO UPDATE SET generation = excluded.generation, total = excluded.total, spec = excluded.spec,
           dataset = COALESCE(excluded.dataset, jobs.dataset), updated_at_ms = excluded.updated_at_ms`,
      )
      .run(job.jobId, job.generation, job.total, JSON.stringify(job.spec), job.dataset ? JSON.stringify(job.dataset) : null, Date.now());
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    const row = this.db.prepare(`SELECT * FROM jobs WHERE job_id = ?`).get(jobId) as
      | { job_id: string; generation: number; total: number; spec: string; dataset: string | null }
      | undefined;
    if (!row) return undefined;
    return { jobId: row.job_id, generation: row.generation, total: row.total, spec: JSON.parse(row.spec), ...(row.dataset ? { dataset: JSON.parse(row.dataset) } : {}) };
  }

  async listJobs(): Promise<Array<{ jobId: string; updatedAtMs: number | null }>> {
    return this.db.prepare(`SELECT job_id AS jobId, updated_at_ms AS updatedAtMs FROM jobs ORDER BY job_id`).all() as Array<{ jobId: string; updatedAtMs: number | null }>;
  }

  async jobRows(jobId: string): Promise<JobRows> {
    return this.eachJobTable(jobId, (table, where) => this.db.prepare(`SELECT COUNT(*) FROM ${table} WHERE ${where}`).pluck());
  }

  async deleteJob(jobId: string): Promise<JobRows> {
    return this.db.transaction(() => this.eachJobTable(jobId, (table, where) => this.db.prepare(`DELETE FROM ${table} WHERE ${where}`)))();
  }

  /** Runs one statement per table of a job's rows (job-rows.ts); how many rows each counted or changed. */
  private eachJobTable(jobId: string, statement: (table: string, where: string) => Database.Statement): JobRows {
    const values = jobRowValues(jobId);
    const rows = {} as JobRows;
    for (const [table, clause] of JOB_ROW_CLAUSES) {
      const prepared = statement(table, clause.replace(/\{(job|prefix|prefixLength)\}/g, '@$1'));
      rows[table] = prepared.reader ? (prepared.get(values) as number) : prepared.run(values).changes;
    }
    return rows;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

const PAGE_COLUMNS = [
  'seq', 'line', 'item_key', 'request_key', 'state', 'reason', 'message', 'generation', 'round', 'tier', 'output', 'tokens_in', 'tokens_out', 'cost_usd',
] as const;

type PageRow = [
  seq: number, line: number, itemKey: string, requestKey: string | null, state: ItemState, reason: string | null, message: string | null,
  generation: number, round: number, tier: string, output: string | null, tokensIn: number, tokensOut: number, costUsd: number,
];

function toStoredOutcome(row: PageRow): StoredOutcome {
  return {
    seq: row[0],
    line: row[1],
    itemKey: row[2],
    requestKey: row[3],
    state: row[4],
    reason: row[5] as StoredOutcome['reason'],
    message: row[6],
    generation: row[7],
    round: row[8],
    tier: row[9] as StoredOutcome['tier'],
    outputJson: row[10],
    tokensIn: row[11],
    tokensOut: row[12],
    costUsd: row[13],
  };
}

