import type pg from 'pg';
import { CLOSED_CLAIM, type BatchRecord, type CreateLease, type StrayBatch, type SubmitRecords } from './submit-records';

type RecordRow = { shard_attempt_id: string; provider: string; intent_at_ms: number; batch_id: string | null; claim: number; input_ref: string | null };
type LeaseRow = { account: string; shard_attempt_id: string; claim: number; requests: number; since_ms: number; touched_ms: number };
type StrayRow = { batch_id: string; shard_attempt_id: string; job_id: string; provider: string; account: string | null; requests: number; found_at_ms: number };

/**
 * SubmitRecords in PostgreSQL: every compare-and-set is one statement (INSERT ... ON CONFLICT DO UPDATE ...
 * WHERE, or UPDATE ... WHERE), atomic under PostgreSQL's row locks, so workers on any number of machines agree.
 * The same rules as sqlite-submit-records.ts.
 */
export class PostgresSubmitRecords implements SubmitRecords {
  constructor(private readonly pool: pg.Pool) {}

  async getBatchRecord(shardAttemptId: string): Promise<BatchRecord | undefined> {
    const { rows } = await this.pool.query<RecordRow>(`SELECT * FROM batch_records WHERE shard_attempt_id = $1`, [shardAttemptId]);
    return rows[0] && toRecord(rows[0]);
  }

  async claimSubmit(shardAttemptId: string, provider: string, atMs: number): Promise<{ record: BatchRecord; claim: number }> {
    const { rows } = await this.pool.query<RecordRow>(
      `INSERT INTO batch_records (shard_attempt_id, provider, intent_at_ms, claim) VALUES ($1, $2, $3, 1)
       ON CONFLICT (shard_attempt_id) DO UPDATE SET claim = batch_records.claim + 1
       WHERE batch_records.claim <> ${CLOSED_CLAIM} AND batch_records.batch_id IS NULL
       RETURNING *`,
      [shardAttemptId, provider, atMs],
    );
    const record = rows[0] ? toRecord(rows[0]) : (await this.getBatchRecord(shardAttemptId))!;
    return { record, claim: record.claim };
  }

  async recordBatchInput(shardAttemptId: string, claim: number, inputRef: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE batch_records SET input_ref = $1 WHERE shard_attempt_id = $2 AND claim = $3 AND batch_id IS NULL`,
      [inputRef, shardAttemptId, claim],
    );
    return rowCount === 1;
  }

  async recordBatchCreated(shardAttemptId: string, batchId: string, claim: number): Promise<string | null> {
    const { rows } = await this.pool.query<{ batch_id: string }>(
      `UPDATE batch_records SET batch_id = $1 WHERE shard_attempt_id = $2 AND claim = $3 AND batch_id IS NULL RETURNING batch_id`,
      [batchId, shardAttemptId, claim],
    );
    if (rows[0]) return rows[0].batch_id;
    return (await this.getBatchRecord(shardAttemptId))?.batchId ?? null;
  }

  async closeSubmit(shardAttemptId: string, provider: string, atMs: number): Promise<BatchRecord> {
    const { rows } = await this.pool.query<RecordRow>(
      `INSERT INTO batch_records (shard_attempt_id, provider, intent_at_ms, claim) VALUES ($1, $2, $3, ${CLOSED_CLAIM})
       ON CONFLICT (shard_attempt_id) DO UPDATE SET claim = ${CLOSED_CLAIM}
       RETURNING *`,
      [shardAttemptId, provider, atMs],
    );
    return toRecord(rows[0]!);
  }

  async recordedBatchIds(provider: string, sinceMs: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ batch_id: string }>(
      `SELECT batch_id FROM batch_records WHERE provider = $1 AND batch_id IS NOT NULL AND intent_at_ms >= $2
       UNION SELECT batch_id FROM stray_batches WHERE provider = $1 AND found_at_ms >= $2`,
      [provider, sinceMs],
    );
    return rows.map((r) => r.batch_id);
  }

  async recordStray(stray: StrayBatch): Promise<void> {
    await this.pool.query(
      `INSERT INTO stray_batches (batch_id, shard_attempt_id, job_id, provider, account, requests, found_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (batch_id) DO NOTHING`,
      [stray.batchId, stray.shardAttemptId, stray.jobId, stray.provider, stray.account ?? null, stray.requests, stray.foundAtMs],
    );
  }

  async strays(jobId: string): Promise<StrayBatch[]> {
    const { rows } = await this.pool.query<StrayRow>(`SELECT * FROM stray_batches WHERE job_id = $1 ORDER BY found_at_ms, batch_id`, [jobId]);
    return rows.map((r) => ({
      batchId: r.batch_id,
      shardAttemptId: r.shard_attempt_id,
      jobId: r.job_id,
      provider: r.provider,
      ...(r.account !== null ? { account: r.account } : {}),
      requests: r.requests,
      foundAtMs: r.found_at_ms,
    }));
  }

  async takeCreateLease(holder: Omit<CreateLease, 'sinceMs' | 'touchedMs'>, atMs: number): Promise<CreateLease> {
    const { rows } = await this.pool.query<LeaseRow>(
      `INSERT INTO create_leases (account, shard_attempt_id, claim, requests, since_ms, touched_ms) VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (account) DO UPDATE SET claim = excluded.claim, touched_ms = excluded.touched_ms
       WHERE create_leases.shard_attempt_id = excluded.shard_attempt_id AND create_leases.claim <= excluded.claim
       RETURNING *`,
      [holder.account, holder.shardAttemptId, holder.claim, holder.requests, atMs],
    );
    if (rows[0]) return toLease(rows[0]);
    const current = await this.pool.query<LeaseRow>(`SELECT * FROM create_leases WHERE account = $1`, [holder.account]);
    // freed between the two statements: take it again
    return current.rows[0] ? toLease(current.rows[0]) : this.takeCreateLease(holder, atMs);
  }

  async releaseCreateLease(account: string, shardAttemptId: string, claim: number): Promise<void> {
    await this.pool.query(`DELETE FROM create_leases WHERE account = $1 AND shard_attempt_id = $2 AND claim = $3`, [account, shardAttemptId, claim]);
  }

  async createLeaseOf(shardAttemptId: string): Promise<CreateLease | undefined> {
    const { rows } = await this.pool.query<LeaseRow>(`SELECT * FROM create_leases WHERE shard_attempt_id = $1`, [shardAttemptId]);
    return rows[0] && toLease(rows[0]);
  }
}

function toRecord(row: RecordRow): BatchRecord {
  return { shardAttemptId: row.shard_attempt_id, provider: row.provider, intentAtMs: row.intent_at_ms, batchId: row.batch_id, claim: row.claim, inputRef: row.input_ref };
}

function toLease(row: LeaseRow): CreateLease {
  return { account: row.account, shardAttemptId: row.shard_attempt_id, claim: row.claim, requests: row.requests, sinceMs: row.since_ms, touchedMs: row.touched_ms };
}
