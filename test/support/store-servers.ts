import { S3Client } from '@aws-sdk/client-s3';
import { createDatabase, type PostgresServer } from '../../src/dev/postgres-server';
import type { S3Server } from '../../src/dev/s3-server';
import { S3BlobStore, s3ClientFor } from '../../src/storage/s3-blob-store';

/** What global-setup tells the tests about the PostgreSQL and S3 servers it started for the run. */
export function storeServerEnv(postgres: PostgresServer, s3: S3Server): Record<string, string> {
  return {
    LONGHAUL_TEST_POSTGRES_ADMIN_URL: postgres.adminUrl,
    LONGHAUL_TEST_S3_ENDPOINT: s3.endpoint,
    LONGHAUL_TEST_S3_ACCESS_KEY: s3.accessKeyId,
    LONGHAUL_TEST_S3_SECRET_KEY: s3.secretAccessKey,
  };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (globalSetup starts the servers)`);
  return value;
}

/** A new, empty database on the run's PostgreSQL server; its URL. */
export function testPostgresUrl(): Promise<string> {
  return createDatabase(required('LONGHAUL_TEST_POSTGRES_ADMIN_URL'));
}

let buckets = 0;

/** The run's S3-compatible server: endpoint, credentials, the environment pointing Longhaul at it. */
export function testS3() {
  const endpoint = required('LONGHAUL_TEST_S3_ENDPOINT');
  const accessKeyId = required('LONGHAUL_TEST_S3_ACCESS_KEY');
  const secretAccessKey = required('LONGHAUL_TEST_S3_SECRET_KEY');
  const client = (secret = secretAccessKey) => new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey: secret } });
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    client,
    env: () => ({ AWS_ENDPOINT_URL_S3: endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey }),
    /** A new, empty bucket; its name. */
    async createBucket(): Promise<string> {
      const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
      const name = `longhaul-${process.pid}-${++buckets}-${Math.random().toString(36).slice(2, 8)}`;
      const s3 = client();
      try {
        await s3.send(new CreateBucketCommand({ Bucket: name }));
      } finally {
        s3.destroy();
      }
      return name;
    },
    /** A new bucket (and prefix) as the configuration names it (LONGHAUL_BLOB_STORE=s3://...): openBlobStore opens it as workers do. */
    async location(prefix = 'longhaul') {
      return { kind: 's3' as const, bucket: await this.createBucket(), prefix, forcePathStyle: true, endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey } };
    },
    /** An S3BlobStore on a new bucket (and prefix), with the client Longhaul makes (s3ClientFor): objects as they are in the bucket. */
    async blobStore(prefix = 'longhaul'): Promise<S3BlobStore> {
      const { kind: _kind, ...location } = await this.location(prefix);
      return new S3BlobStore(s3ClientFor(location), location);
    },
  };
}
