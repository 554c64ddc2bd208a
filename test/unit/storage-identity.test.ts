import { checkSameStorage, storageIdentity, StorageMismatchError } from '../../src/storage/storage-identity';

describe('storage identity: every worker of a job on the job\'s stores', () => {
  const local = { storage: { kind: 'local' as const, dir: '/data/blobs' }, results: { kind: 'sqlite' as const, file: '/data/results.sqlite' } };
  const shared = {
    storage: { kind: 's3' as const, bucket: 'team', prefix: 'lh', forcePathStyle: true, endpoint: 'http://s3:7070', credentials: { accessKeyId: 'a', secretAccessKey: 'secret' } },
    results: { kind: 'postgres' as const, url: 'postgres://u:hunter2@db:5432/longhaul' },
  };

  it('names local stores with their host, shared ones by address, never a secret', () => {
    expect(storageIdentity(local, 'host-a')).toBe('blobs host-a:/data/blobs; results host-a:/data/results.sqlite');
    expect(storageIdentity(local, 'host-a')).not.toBe(storageIdentity(local, 'host-b'));
    const identity = storageIdentity(shared, 'host-a');
    expect(identity).toBe(storageIdentity(shared, 'host-b'));
    expect(identity).toBe('blobs s3://team/lh at http://s3:7070; results postgres://u:***@db:5432/longhaul');
  });

  it('refuses an activity whose job keeps its data elsewhere, saying how to fix it; older jobs pass', () => {
    const job = storageIdentity(local, 'host-a');
    expect(() => checkSameStorage({ jobId: 'j', storage: job }, job)).not.toThrow();
    expect(() => checkSameStorage({ jobId: 'j' }, storageIdentity(local, 'host-b'))).not.toThrow();
    expect(() => checkSameStorage({ jobId: 'j', storage: job }, storageIdentity(local, 'host-b'))).toThrow(StorageMismatchError);
    expect(() => checkSameStorage({ jobId: 'j', storage: job }, storageIdentity(local, 'host-b'))).toThrow(/must share the same stores \(LONGHAUL_BLOB_STORE=s3:/);
  });
});
