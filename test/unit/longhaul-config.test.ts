import path from 'node:path';
import { loadConfig } from '../../src/config/longhaul-config';
import { createWorkerDeps } from '../../src/worker/worker-deps';
import { tempDir } from '../support/temp-dirs';

describe('configuration: LONGHAUL_THREADS', () => {
  const dataDir = tempDir('longhaul-config-');

  it('leaves the thread count to prepare and collect unless set', async () => {
    const config = loadConfig({}, { dataDir });
    expect(config.threads).toBeUndefined();
    const deps = await createWorkerDeps(config);
    expect(deps.threads).toBeUndefined();
    await deps.close();
  });

  it('hands a set count (0: no threads) to the activities', async () => {
    const config = loadConfig({ LONGHAUL_THREADS: '0' }, { dataDir });
    expect(config.threads).toBe(0);
    const deps = await createWorkerDeps(config);
    expect(deps.threads).toBe(0);
    await deps.close();
    expect(loadConfig({ LONGHAUL_THREADS: '3' }, { dataDir }).threads).toBe(3);
  });

  it('refuses a count that is not a whole number from 0 to 64, naming the setting', () => {
    expect(() => loadConfig({ LONGHAUL_THREADS: 'many' }, { dataDir })).toThrow('invalid configuration: LONGHAUL_THREADS: expected a whole number, got "many"');
    for (const bad of ['-1', '1.5']) expect(() => loadConfig({ LONGHAUL_THREADS: bad }, { dataDir })).toThrow(/LONGHAUL_THREADS: expected a whole number/);
    expect(() => loadConfig({ LONGHAUL_THREADS: '1000' }, { dataDir })).toThrow(/invalid configuration: threads: Too big/);
  });
});

describe('configuration: where blobs and results live', () => {
  const dataDir = tempDir('longhaul-config-');

  it('defaults to a directory and a SQLite file under the data dir', () => {
    const config = loadConfig({}, { dataDir });
    expect(config.storage).toEqual({ kind: 'local', dir: path.join(dataDir, 'blobs') });
    expect(config.results).toEqual({ kind: 'sqlite', file: path.join(dataDir, 'results.sqlite') });
  });

  it('takes an S3 bucket and prefix, with endpoint, region and path-style from the standard AWS variables', () => {
    const config = loadConfig({ LONGHAUL_BLOB_STORE: 's3://team-bucket/longhaul/prod/', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:7070', AWS_REGION: 'eu-west-1' }, { dataDir });
    expect(config.storage).toEqual({ kind: 's3', bucket: 'team-bucket', prefix: 'longhaul/prod', endpoint: 'http://127.0.0.1:7070', region: 'eu-west-1', forcePathStyle: true });
    expect(loadConfig({ LONGHAUL_BLOB_STORE: 's3://team-bucket' }, { dataDir }).storage).toEqual({ kind: 's3', bucket: 'team-bucket', prefix: '', forcePathStyle: false });
    expect(loadConfig({ LONGHAUL_BLOB_STORE: 's3://b-1', AWS_ENDPOINT_URL: 'https://r2.example.com' }, { dataDir }).storage).toMatchObject({ endpoint: 'https://r2.example.com', region: 'us-east-1', forcePathStyle: true });
  });

  it('takes a directory as a path or a file:// URL, and PostgreSQL or a SQLite file for results', () => {
    expect(loadConfig({ LONGHAUL_BLOB_STORE: 'file:///srv/blobs' }, { dataDir }).storage).toEqual({ kind: 'local', dir: '/srv/blobs' });
    expect(loadConfig({ LONGHAUL_BLOB_STORE: '/srv/other' }, { dataDir }).storage).toEqual({ kind: 'local', dir: '/srv/other' });
    expect(loadConfig({ LONGHAUL_RESULT_STORE: 'postgres://u:p@db:5432/longhaul' }, { dataDir }).results).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/longhaul' });
    expect(loadConfig({ LONGHAUL_RESULT_STORE: '/srv/results.sqlite' }, { dataDir }).results).toEqual({ kind: 'sqlite', file: '/srv/results.sqlite' });
  });

  it('refuses what it cannot use, naming the variable (and never printing a password)', () => {
    expect(() => loadConfig({ LONGHAUL_BLOB_STORE: 's3://A_Bucket/x' }, { dataDir })).toThrow(/LONGHAUL_BLOB_STORE: "A_Bucket" is not a valid bucket name/);
    expect(() => loadConfig({ LONGHAUL_BLOB_STORE: 'gs://bucket' }, { dataDir })).toThrow(/LONGHAUL_BLOB_STORE: unsupported store "gs:\/\/bucket"/);
    expect(() => loadConfig({ LONGHAUL_RESULT_STORE: 'mysql://u:hunter2@db/x' }, { dataDir })).toThrow(/LONGHAUL_RESULT_STORE: unsupported store "mysql:\/\/u:\*\*\*@db\/x"/);
  });
});
