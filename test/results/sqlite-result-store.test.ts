import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteResultStore } from '../../src/results/sqlite-result-store';
import { resultStoreContract } from './result-store-contract';

resultStoreContract('SQLite', async () => new SqliteResultStore(':memory:'));

describe('SQLite result store', () => {
  it('opens a store written before fencing: older batch records and jobs gain their new columns in place', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'longhaul-old-store-')), 'results.sqlite');
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
    await store.close();
  });
});
