import Database from 'better-sqlite3';
import path from 'node:path';
import { SqliteResultStore } from '../../src/results/sqlite-result-store';
import { resultStoreContract } from './result-store-contract';
import { tempDir } from '../support/temp-dirs';

resultStoreContract('SQLite', async () => new SqliteResultStore(':memory:'));

describe('SQLite result store', () => {
  it('opens a store written before fencing: older batch records and jobs gain their new columns in place', async () => {
    const file = path.join(tempDir('longhaul-old-store-'), 'results.sqlite');
    const old = new Database(file);
    old.exec(`CREATE TABLE batch_records (shard_attempt_id TEXT PRIMARY KEY, provider TEXT NOT NULL, intent_at_ms INTEGER NOT NULL, batch_id TEXT);
              CREATE TABLE jobs (job_id TEXT PRIMARY KEY, generation INTEGER NOT NULL, total INTEGER NOT NULL, spec TEXT NOT NULL);
              INSERT INTO batch_records VALUES ('old/g0/r0/s0', 'openai', 1000, NULL), ('old/g0/r0/s1', 'openai', 1000, 'batch_done');
              INSERT INTO jobs VALUES ('old', 0, 3, '{}');`);
    old.close();
    const store = new SqliteResultStore(file);
    expect(await store.getBatchRecord('old/g0/r0/s1')).toMatchObject({ batchId: 'batch_done', claim: 0, inputRef: null });
    expect((await store.claimSubmit('old/g0/r0/s0', 'openai', 2000)).claim).toBe(1); // an attempt that was under way before
    expect(await store.getJob('old')).toEqual({ jobId: 'old', generation: 0, total: 3, spec: {} });
    expect(await store.listJobs()).toEqual([{ jobId: 'old', updatedAtMs: null }]); // its last write is not known
    await store.close();
  });

  it('opens a store written before models were kept per item: its rows gain a null model (read as the job\'s)', async () => {
    const file = path.join(tempDir('longhaul-old-store-'), 'results.sqlite');
    const old = new Database(file);
    old.exec(`CREATE TABLE items (job_id TEXT NOT NULL, seq INTEGER NOT NULL, line INTEGER NOT NULL, item_key TEXT NOT NULL, request_key TEXT,
                task_version TEXT NOT NULL, state TEXT NOT NULL, reason TEXT, message TEXT, generation INTEGER NOT NULL, round INTEGER NOT NULL,
                attempt INTEGER NOT NULL, tier TEXT NOT NULL, output TEXT, tokens_in INTEGER NOT NULL DEFAULT 0, tokens_out INTEGER NOT NULL DEFAULT 0,
                cost_usd REAL NOT NULL DEFAULT 0, PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
              INSERT INTO items VALUES ('old', 0, 1, 'a', 'rk', 'tv', 'succeeded', NULL, NULL, 0, 0, 0, 'batch', '1', 10, 2, 0.5);`);
    old.close();
    const store = new SqliteResultStore(file);
    await store.upsertOutcomes('old', 'tv2', [{ seq: 1, line: 2, itemKey: 'b', requestKey: null, state: 'succeeded', reason: null, message: null, generation: 1, round: 0, tier: 'batch', output: 2, tokensIn: 1, tokensOut: 1, costUsd: 0.1 }], 'm2');
    expect((await store.counts('old')).byModelTier.map((e) => [e.model, e.items, e.tokensIn])).toEqual([[null, 1, 10], ['m2', 1, 1]]);
    await store.close();
  });
});
