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
});
