import pg from 'pg';
import { PostgresResultStore } from '../../src/results/postgres-result-store';
import { StorageUnavailableError } from '../../src/storage/storage-errors';
import { testPostgresUrl } from '../support/store-servers';
import { resultStoreContract } from './result-store-contract';

describe('PostgreSQL result store (a real server)', () => {
  const opened: PostgresResultStore[] = [];
  afterAll(async () => {
    for (const store of opened) await store.close().catch(() => undefined);
  });

  resultStoreContract('PostgreSQL', async () => {
    const store = await PostgresResultStore.open(await testPostgresUrl());
    opened.push(store);
    return store;
  });

  it('says in one line when the database cannot be reached or does not exist', async () => {
    await expect(PostgresResultStore.open('postgres://postgres:secret@127.0.0.1:9/x')).rejects.toThrow(StorageUnavailableError);
    await expect(PostgresResultStore.open('postgres://postgres:secret@127.0.0.1:9/x')).rejects.toThrow(/^result store postgres:\/\/postgres:\*\*\*@127.0.0.1:9\/x: /);
    const missing = (await testPostgresUrl()).replace(/\/[^/]+$/, '/no_such_db');
    await expect(PostgresResultStore.open(missing)).rejects.toThrow(/database "no_such_db" does not exist/);
  });

  it('creates its tables once however many workers open it at the same time', async () => {
    const url = await testPostgresUrl();
    const stores = await Promise.all(Array.from({ length: 6 }, () => PostgresResultStore.open(url)));
    opened.push(...stores);
    await stores[0]!.upsertJob({ jobId: 'j', generation: 0, total: 1, spec: {} as never });
    expect(await stores[5]!.getJob('j')).toMatchObject({ total: 1 });
  });

  it('opens a database written before models were kept per item: its rows gain a null model (read as the job\'s)', async () => {
    const url = await testPostgresUrl();
    const old = new pg.Client({ connectionString: url });
    await old.connect();
    try {
      await old.query(`CREATE TABLE items (job_id TEXT NOT NULL, seq BIGINT NOT NULL, line BIGINT NOT NULL, item_key TEXT NOT NULL, request_key TEXT,
                task_version TEXT NOT NULL, state TEXT NOT NULL, reason TEXT, message TEXT, generation INTEGER NOT NULL, round INTEGER NOT NULL,
                attempt INTEGER NOT NULL, tier TEXT NOT NULL, output TEXT, tokens_in BIGINT NOT NULL DEFAULT 0, tokens_out BIGINT NOT NULL DEFAULT 0,
                cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0, PRIMARY KEY (job_id, seq));
              INSERT INTO items VALUES ('old', 0, 1, 'a', 'rk', 'tv', 'succeeded', NULL, NULL, 0, 0, 0, 'batch', '1', 10, 2, 0.5);`);
    } finally {
      await old.end();
    }
    const store = await PostgresResultStore.open(url);
    opened.push(store);
    await store.upsertOutcomes('old', 'tv2', [{ seq: 1, line: 2, itemKey: 'b', requestKey: null, state: 'succeeded', reason: null, message: null, generation: 1, round: 0, tier: 'batch', output: 2, tokensIn: 1, tokensOut: 1, costUsd: 0.1 }], 'm2');
    expect((await store.counts('old')).byModelTier.map((e) => [e.model, e.items, e.tokensIn])).toEqual([[null, 1, 10], ['m2', 1, 1]]);
  });
});
