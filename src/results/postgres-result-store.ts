import pg, { type PoolClient } from 'pg';
import { redact } from '../config/store-urls';
import { StorageUnavailableError } from '../storage/storage-errors';
import { attemptOrder, emptyStateCounts, outputJsonOf, parsedOutcome, type ItemOutcome, type ItemState, type StoredOutcome } from './item-outcome';
import { OUTCOME_REPLACES, OUTCOME_UPDATE } from './outcome-upsert-rule';
import { arrayParam } from './postgres-array-param';
import { ensureSchema } from './postgres-schema';
import { PostgresSubmitRecords } from './postgres-submit-records';
import type { AttemptOutcome, CachedAnswer, JobRecord, OutcomeCounts, ResultStore } from './result-store';
import { JOB_ROW_CLAUSES, jobRowValues, type JobRows } from './job-rows';
import { ModelTierTally } from './model-tier-tally';
import { pagedOutcomes } from './paged-outcomes';
import type { BatchRecord, CreateLease, StrayBatch, SubmitRecords } from './submit-records';

const INT8 = 20;
const NUMERIC = 1700;

/** BIGINT and NUMERIC (COUNT, SUM) as numbers: every value the store returns fits a double. */
const TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8 || oid === NUMERIC ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

// One statement per run of outcomes whose seqs are distinct (PostgreSQL refuses to update a row twice in one
// INSERT ... ON CONFLICT), the rows as 15 arrays (and the model they share): a statement costs the same for 10 rows or 10,000.
const UPSERT = `
INSERT INTO items (job_id, seq, line, item_key, request_key, task_version, model, state, reason, message,
                   generation, round, attempt, tier, output, tokens_in, tokens_out, cost_usd)
SELECT $1, seq, line, item_key, request_key, $2, $18::text, state, reason, message, generation, round, attempt, tier, output,
       tokens_in, tokens_out, cost_usd
FROM unnest($3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[],
            $11::int[], $12::int[], $13::text[], $14::text[], $15::bigint[], $16::bigint[], $17::float8[])
  AS t(seq, line, item_key, request_key, state, reason, message, generation, round, attempt, tier, output, tokens_in, tokens_out, cost_usd)
ON CONFLICT (job_id, seq) DO UPDATE SET ${OUTCOME_UPDATE}
WHERE ${OUTCOME_REPLACES}`;

const PAGE = 2000;

/**
 * The result store in PostgreSQL (`pg`), for workers on many machines: the same tables and the same rules as the
 * SQLite store (the upsert rule in outcome-upsert-rule.ts, compare-and-set submit records), so one contract test
 * suite runs against both. Outcomes are upserted in one statement per batch of rows (unnest of arrays), inside a
 * transaction: a write is committed when its call resolves.
 */
export class PostgresResultStore implements ResultStore {
  private readonly submits: SubmitRecords;

  private constructor(private readonly pool: pg.Pool) {
    this.submits = new PostgresSubmitRecords(pool);
  }

  /**
   * Connects (a pool of up to `poolSize`) and creates the tables if they are missing.
   * @throws StorageUnavailableError in one line when the database cannot be reached or used.
   */
  static async open(url: string, options: { poolSize?: number } = {}): Promise<PostgresResultStore> {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 8, types: TYPES, connectionTimeoutMillis: 10_000 });
    // an idle client's error (the server restarted) must not crash the process: the next query reconnects
    pool.on('error', () => undefined);
    // nor a checked-out one's (a transaction's connection killed): its query rejects, which is what callers handle,
    // and the pool drops it when it is released with that error
    pool.on('connect', (client) => client.on('error', () => undefined));
    let client: PoolClient | undefined;
    try {
      client = await pool.connect();
      await ensureSchema(client);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new StorageUnavailableError(`result store ${redact(url)}: ${(err as Error).message || (err as { code?: string }).code}`);
    } finally {
      client?.release();
    }
    return new PostgresResultStore(pool);
  }

  async upsertOutcomes(jobId: string, taskVersion: string, outcomes: readonly ItemOutcome[], model?: string): Promise<void> {
    if (outcomes.length === 0) return;
    await this.transaction(async (client) => {
      for (const run of distinctSeqRuns(outcomes)) await client.query(UPSERT, [jobId, taskVersion, ...columnsOf(run), model ?? null]);
    });
  }

  async hasAnswersFor(taskVersion: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(`SELECT 1 FROM task_versions WHERE task_version = $1`, [taskVersion]);
    return (rowCount ?? 0) > 0;
  }

  async findCached(requestKeys: readonly string[]): Promise<Map<string, CachedAnswer>> {
    const found = new Map<string, CachedAnswer>();
    if (requestKeys.length === 0) return found;
    // the item must still hold that request's answer (a later generation may have replaced it)
    const { rows } = await this.pool.query<{ request_key: string; output: string | null }>(
      `SELECT a.request_key, i.output FROM answers a JOIN items i ON i.job_id = a.job_id AND i.seq = a.seq
       WHERE a.request_key = ANY($1::text[]) AND i.request_key = a.request_key AND i.state = 'succeeded'`,
      [requestKeys],
    );
    for (const row of rows) found.set(row.request_key, { requestKey: row.request_key, output: row.output === null ? null : JSON.parse(row.output) });
    return found;
  }

  async indexAnswers(jobId: string): Promise<void> {
    await this.transaction(async (client) => {
      await client.query(
        `INSERT INTO answers (request_key, job_id, seq)
         SELECT request_key, job_id, seq FROM items
         WHERE job_id = $1 AND state = 'succeeded' AND request_key IS NOT NULL ORDER BY request_key
         ON CONFLICT (request_key) DO UPDATE SET job_id = excluded.job_id, seq = excluded.seq`,
        [jobId],
      );
      await client.query(
        `INSERT INTO task_versions (task_version) SELECT DISTINCT task_version FROM items WHERE job_id = $1 AND state = 'succeeded' ON CONFLICT DO NOTHING`,
        [jobId],
      );
    });
  }

  async counts(jobId: string): Promise<OutcomeCounts> {
    const byState = emptyStateCounts();
    const byReason: Record<string, number> = {};
    const byTier: OutcomeCounts['byTier'] = {};
    const byModelTier = new ModelTierTally();
    const totals = { tokensIn: 0, tokensOut: 0, costUsd: 0 };
    const { rows } = await this.pool.query<{ state: ItemState; reason: string | null; tier: string; model: string | null; n: number; tin: number; tout: number; cost: number }>(
      `SELECT state, reason, tier, model, COUNT(*) AS n, SUM(tokens_in) AS tin, SUM(tokens_out) AS tout, SUM(cost_usd) AS cost
       FROM items WHERE job_id = $1 GROUP BY state, reason, tier, model`,
      [jobId],
    );
    for (const row of rows) {
      byModelTier.add(row);
      byState[row.state] += row.n;
      if (row.reason && (row.state === 'failed' || row.state === 'failed_retryable')) byReason[row.reason] = (byReason[row.reason] ?? 0) + row.n;
      const tier = (byTier[row.tier] ??= { items: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 });
      tier.items += row.n;
      tier.tokensIn += row.tin;
      tier.tokensOut += row.tout;
      tier.costUsd += row.cost;
      totals.tokensIn += row.tin;
      totals.tokensOut += row.tout;
      totals.costUsd += row.cost;
    }
    return { byState, byReason, byTier, byModelTier: byModelTier.list(), ...totals };
  }

  async seqsInStates(jobId: string, states: readonly ItemState[]): Promise<number[]> {
    const { rows } = await this.pool.query<{ seq: number }>(`SELECT seq FROM items WHERE job_id = $1 AND state = ANY($2::text[]) ORDER BY seq`, [jobId, states]);
    return rows.map((r) => r.seq);
  }

  async retryable(jobId: string, generation: number, round: number): Promise<Array<{ seq: number; reason: string; message: string | null }>> {
    const { rows } = await this.pool.query<{ seq: number; reason: string; message: string | null }>(
      `SELECT seq, reason, message FROM items WHERE job_id = $1 AND attempt = $2 AND state = 'failed_retryable' ORDER BY seq`,
      [jobId, attemptOrder(generation, round)],
    );
    return rows;
  }

  async outcomesAt(jobId: string, generation: number, round: number, fromSeq: number, toSeq: number): Promise<AttemptOutcome[]> {
    const { rows } = await this.pool.query<AttemptOutcome>(
      `SELECT seq, state, tokens_in AS "tokensIn", tokens_out AS "tokensOut", cost_usd AS "costUsd"
       FROM items WHERE job_id = $1 AND seq BETWEEN $2 AND $3 AND attempt = $4`,
      [jobId, fromSeq, toSeq, attemptOrder(generation, round)],
    );
    return rows;
  }

  async closeRetryable(jobId: string, note: string): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE items SET state = 'failed', message = $1 || ': ' || COALESCE(message, reason) WHERE job_id = $2 AND state = 'failed_retryable'`,
      [note, jobId],
    );
    return rowCount ?? 0;
  }

  async *iterate(jobId: string): AsyncIterable<ItemOutcome> {
    for await (const stored of this.iterateStored(jobId)) yield parsedOutcome(stored);
  }

  async *iterateStored(jobId: string): AsyncIterable<StoredOutcome> {
    yield* pagedOutcomes((after) => this.page(jobId, after));
  }

  /** Up to 2,000 outcomes after a seq, in seq order. */
  async page(jobId: string, afterSeq: number): Promise<StoredOutcome[]> {
    const { rows } = await this.pool.query<PageRow>(
      `SELECT seq, line, item_key, request_key, state, reason, message, generation, round, tier, output, tokens_in, tokens_out, cost_usd
       FROM items WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT ${PAGE}`,
      [jobId, afterSeq],
    );
    return rows.map(toStoredOutcome);
  }

  async coverage(jobId: string): Promise<{ items: number; maxSeq: number; failed: number }> {
    const { rows } = await this.pool.query<{ items: number; max_seq: number | null; failed: number }>(
      `SELECT COUNT(*) AS items, MAX(seq) AS max_seq, COUNT(*) FILTER (WHERE state IN ('failed', 'failed_retryable')) AS failed FROM items WHERE job_id = $1`,
      [jobId],
    );
    const row = rows[0]!;
    return { items: row.items, maxSeq: row.max_seq ?? -1, failed: row.failed };
  }

  async duplicateKeys(jobId: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM (SELECT item_key FROM items WHERE job_id = $1 GROUP BY item_key HAVING COUNT(*) > 1) d`,
      [jobId],
    );
    return rows[0]!.n;
  }

  async upsertJob(job: JobRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO jobs (job_id, generation, total, spec, dataset, updated_at_ms) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (job_id) DO UPDATE SET generation = excluded.generation, total = excluded.total, spec = excluded.spec,
         dataset = COALESCE(excluded.dataset, jobs.dataset), updated_at_ms = excluded.updated_at_ms`,
      [job.jobId, job.generation, job.total, JSON.stringify(job.spec), job.dataset ? JSON.stringify(job.dataset) : null, Date.now()],
    );
  }

  async getJob(jobId: string): Promise<JobRecord | undefined> {
    const { rows } = await this.pool.query<{ job_id: string; generation: number; total: number; spec: string; dataset: string | null }>(
      `SELECT * FROM jobs WHERE job_id = $1`,
      [jobId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return { jobId: row.job_id, generation: row.generation, total: row.total, spec: JSON.parse(row.spec), ...(row.dataset ? { dataset: JSON.parse(row.dataset) } : {}) };
  }

  async listJobs(): Promise<Array<{ jobId: string; updatedAtMs: number | null }>> {
    const { rows } = await this.pool.query<{ job_id: string; updated_at_ms: number | null }>(`SELECT job_id, updated_at_ms FROM jobs ORDER BY job_id COLLATE "C"`);
    return rows.map((r) => ({ jobId: r.job_id, updatedAtMs: r.updated_at_ms }));
  }

  async jobRows(jobId: string): Promise<JobRows> {
    const client = await this.pool.connect();
    try {
      return await eachJobTable(jobId, async (table, where, values) => {
        const { rows } = await client.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, values);
        return rows[0]!.n;
      });
    } finally {
      client.release();
    }
  }

  async deleteJob(jobId: string): Promise<JobRows> {
    let deleted: JobRows | undefined;
    await this.transaction(async (client) => {
      deleted = await eachJobTable(jobId, async (table, where, values) => (await client.query(`DELETE FROM ${table} WHERE ${where}`, values)).rowCount ?? 0);
    });
    return deleted!;
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

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async transaction(work: (client: PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}

/** Runs one statement per table of a job's rows (job-rows.ts), with `$n` placeholders; the row count of each. */
async function eachJobTable(jobId: string, run: (table: string, where: string, values: unknown[]) => Promise<number>): Promise<JobRows> {
  const { job, prefix, prefixLength } = jobRowValues(jobId);
  const rows = {} as JobRows;
  for (const [table, clause] of JOB_ROW_CLAUSES) {
    const used = [...new Set(clause.match(/\{(job|prefix|prefixLength)\}/g) ?? [])].map((m) => m.slice(1, -1) as 'job' | 'prefix' | 'prefixLength');
    // only the parameters a clause uses, numbered in order (PostgreSQL refuses a parameter it cannot type)
    const values = used.map((name) => ({ job, prefix, prefixLength })[name]);
    const where = used.reduce<string>((text, name, i) => text.replaceAll(`{${name}}`, `$${i + 1}`), clause);
    rows[table] = await run(table, where, values);
  }
  return rows;
}

/** Consecutive runs of outcomes in which no seq repeats (a later outcome for the same item starts a new run). */
function* distinctSeqRuns(outcomes: readonly ItemOutcome[]): Generator<ItemOutcome[]> {
  let run: ItemOutcome[] = [];
  let seen = new Set<number>();
  for (const o of outcomes) {
    if (seen.has(o.seq)) {
      yield run;
      run = [];
      seen = new Set();
    }
    seen.add(o.seq);
    run.push(o);
  }
  if (run.length > 0) yield run;
}

/** An outcome run as the 15 arrays UPSERT binds after the job id and task version (as array literals: arrayParam). */
function columnsOf(run: readonly ItemOutcome[]): unknown[] {
  const columns: unknown[][] = Array.from({ length: 15 }, () => new Array<unknown>(run.length));
  for (let i = 0; i < run.length; i++) {
    const o = run[i]!;
    const values = [o.seq, o.line, o.itemKey, o.requestKey, o.state, o.reason, o.message, o.generation, o.round, attemptOrder(o.generation, o.round), o.tier, outputJsonOf(o), o.tokensIn, o.tokensOut, o.costUsd];
    for (let c = 0; c < 15; c++) columns[c]![i] = values[c];
  }
  return columns.map((column) => arrayParam(column));
}

type PageRow = {
  seq: number; line: number; item_key: string; request_key: string | null; state: ItemState; reason: string | null; message: string | null;
  generation: number; round: number; tier: string; output: string | null; tokens_in: number; tokens_out: number; cost_usd: number;
};

function toStoredOutcome(row: PageRow): StoredOutcome {
  return {
    seq: row.seq,
    line: row.line,
    itemKey: row.item_key,
    requestKey: row.request_key,
    state: row.state,
    reason: row.reason as StoredOutcome['reason'],
    message: row.message,
    generation: row.generation,
    round: row.round,
    tier: row.tier as StoredOutcome['tier'],
    outputJson: row.output,
    tokensIn: row.tokens_in,
    tokensOut: row.tokens_out,
    costUsd: row.cost_usd,
  };
}
