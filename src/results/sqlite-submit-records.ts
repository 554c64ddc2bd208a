import type Database from 'better-sqlite3';
import { CLOSED_CLAIM, type BatchRecord, type CreateLease, type StrayBatch, type SubmitRecords } from './submit-records';

type RecordRow = { shard_attempt_id: string; provider: string; intent_at_ms: number; batch_id: string | null; claim: number; input_ref: string | null };
type LeaseRow = { account: string; shard_attempt_id: string; claim: number; requests: number; since_ms: number; touched_ms: number };
type StrayRow = { batch_id: string; shard_attempt_id: string; job_id: string; provider: string; account: string | null; requests: number; found_at_ms: number };

/**
 * SubmitRecords in the embedded SQLite store. Each method is one statement or one immediate transaction, so
 * worker processes sharing the file see each compare-and-set whole.
 */
export class SqliteSubmitRecords implements SubmitRecords {
  /** Its tables are sqlite-schema.ts's, created by the store that opens the file. */
  constructor(private readonly db: Database.Database) {}

  async getBatchRecord(shardAttemptId: string): Promise<BatchRecord | undefined> {
    return this.record(shardAttemptId);
  }

  private record(shardAttemptId: string): BatchRecord | undefined {
    const row = this.db.prepare(`SELECT * FROM batch_records WHERE shard_attempt_id = ?`).get(shardAttemptId) as RecordRow | undefined;
    return row && { shardAttemptId: row.shard_attempt_id, provider: row.provider, intentAtMs: row.intent_at_ms, batchId: row.batch_id, claim: row.claim, inputRef: row.input_ref };
  }

  async claimSubmit(shardAttemptId: string, provider: string, atMs: number): Promise<{ record: BatchRecord; claim: number }> {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO batch_records (shard_attempt_id, provider, intent_at_ms, claim) VALUES (?, ?, ?, 1)
           ON CONFLICT (shard_attempt_id) DO UPDATE SET claim = batch_records.claim + 1
           WHERE batch_records.claim <> ${CLOSED_CLAIM} AND batch_records.batch_id IS NULL`,
        )
        .run(shardAttemptId, provider, atMs);
      const record = this.record(shardAttemptId)!;
      return { record, claim: record.claim };
    }).immediate();
  }

  async recordBatchInput(shardAttemptId: string, claim: number, inputRef: string): Promise<boolean> {
    const result = this.db
      .prepare(`UPDATE batch_records SET input_ref = ? WHERE shard_attempt_id = ? AND claim = ? AND batch_id IS NULL`)
      .run(inputRef, shardAttemptId, claim);
    return result.changes === 1;
  }

  async recordBatchCreated(shardAttemptId: string, batchId: string, claim: number): Promise<string | null> {
    return this.db.transaction(() => {
      this.db
        .prepare(`UPDATE batch_records SET batch_id = ? WHERE shard_attempt_id = ? AND claim = ? AND batch_id IS NULL`)
        .run(batchId, shardAttemptId, claim);
      return this.record(shardAttemptId)?.batchId ?? null;
    }).immediate();
  }

  async closeSubmit(shardAttemptId: string, provider: string, atMs: number): Promise<BatchRecord> {
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO batch_records (shard_attempt_id, provider, intent_at_ms, claim) VALUES (?, ?, ?, ${CLOSED_CLAIM})
           ON CONFLICT (shard_attempt_id) DO UPDATE SET claim = ${CLOSED_CLAIM}`,
        )
        .run(shardAttemptId, provider, atMs);
      return this.record(shardAttemptId)!;
    }).immediate();
  }

  async recordedBatchIds(provider: string, sinceMs: number): Promise<string[]> {
    return this.db
      .prepare(
        `SELECT batch_id FROM batch_records WHERE provider = ? AND batch_id IS NOT NULL AND intent_at_ms >= ?
         UNION SELECT batch_id FROM stray_batches WHERE provider = ? AND found_at_ms >= ?`,
      )
      .pluck()
      .all(provider, sinceMs, provider, sinceMs) as string[];
  }

  async recordStray(stray: StrayBatch): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO stray_batches (batch_id, shard_attempt_id, job_id, provider, account, requests, found_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (batch_id) DO NOTHING`,
      )
      .run(stray.batchId, stray.shardAttemptId, stray.jobId, stray.provider, stray.account ?? null, stray.requests, stray.foundAtMs);
  }

  async strays(jobId: string): Promise<StrayBatch[]> {
    const rows = this.db.prepare(`SELECT * FROM stray_batches WHERE job_id = ? ORDER BY found_at_ms, batch_id`).all(jobId) as StrayRow[];
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
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO create_leases (account, shard_attempt_id, claim, requests, since_ms, touched_ms) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (account) DO UPDATE SET claim = excluded.claim, touched_ms = excluded.touched_ms
           WHERE create_leases.shard_attempt_id = excluded.shard_attempt_id AND create_leases.claim <= excluded.claim`,
        )
        .run(holder.account, holder.shardAttemptId, holder.claim, holder.requests, atMs, atMs);
      return toLease(this.db.prepare(`SELECT * FROM create_leases WHERE account = ?`).get(holder.account) as LeaseRow);
    }).immediate();
  }

  async releaseCreateLease(account: string, shardAttemptId: string, claim: number): Promise<void> {
    this.db.prepare(`DELETE FROM create_leases WHERE account = ? AND shard_attempt_id = ? AND claim = ?`).run(account, shardAttemptId, claim);
  }

  async createLeaseOf(shardAttemptId: string): Promise<CreateLease | undefined> {
    const row = this.db.prepare(`SELECT * FROM create_leases WHERE shard_attempt_id = ?`).get(shardAttemptId) as LeaseRow | undefined;
    return row && toLease(row);
  }
}

function toLease(row: LeaseRow): CreateLease {
  return { account: row.account, shardAttemptId: row.shard_attempt_id, claim: row.claim, requests: row.requests, sinceMs: row.since_ms, touchedMs: row.touched_ms };
}
