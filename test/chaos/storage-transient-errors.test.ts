import type { ApplicationFailure } from '@temporalio/common';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { FailureType, toFailure } from '../../activities/failures';
import { S3BlobStore, s3ClientFor } from '../../src/storage/s3-blob-store';
import { isTransientStorageError } from '../../src/storage/transient-storage-error';
import { testPostgresUrl } from '../support/store-servers';

/** The failure toFailure makes of an error. */
function failureOf(err: unknown): ApplicationFailure {
  try {
    toFailure(err);
  } catch (failure) {
    return failure as ApplicationFailure;
  }
  throw new Error('toFailure returned');
}

async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

jest.setTimeout(60_000);

describe('transient storage errors from the real servers are retryable StorageTransient failures', () => {
  test('PostgreSQL: a backend terminated under a pool (57P01) fails that query retryably, and the pool recovers', async () => {
    const url = await testPostgresUrl();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    // as PostgresResultStore does: a client's error surfaces as its query's rejection, never as an unhandled event
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const client = await pool.connect();
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const running = client.query('SELECT pg_sleep(30)');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      const err = await errorOf(() => running);
      client.release(err as Error);
      expect(isTransientStorageError(err)).toBe(true);
      const failure = failureOf(err);
      expect(failure.type).toBe(FailureType.storageTransient);
      expect(failure.nonRetryable).toBe(false);
      // the next query opens a new connection
      expect((await pool.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
    } finally {
      await admin.end();
      await pool.end();
    }
  });

  test('PostgreSQL: nothing listening (ECONNREFUSED) is retryable', async () => {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/x`, max: 1 });
    try {
      const err = await errorOf(() => pool.query('SELECT 1'));
      expect(failureOf(err).type).toBe(FailureType.storageTransient);
    } finally {
      await pool.end();
    }
  });

  test('S3: 503 SlowDown that outlasts the SDK retries is retryable', async () => {
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests += 1;
      req.resume();
      const notFound = req.url?.includes('gone');
      res.writeHead(notFound ? 404 : 503, { 'content-type': 'application/xml' });
      res.end(
        notFound
          ? '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>'
          : '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const location = { bucket: 'b', prefix: '', endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'k', secretAccessKey: 's' } };
    const s3 = s3ClientFor(location);
    const blobs = new S3BlobStore(s3, location);
    try {
      const err = await errorOf(() => blobs.exists('jobs/j/slow.jsonl'));
      // the SDK's standard strategy retried it first (3 attempts)
      expect(requests).toBeGreaterThanOrEqual(3);
      const failure = failureOf(err);
      expect(failure.type).toBe(FailureType.storageTransient);
      expect(failure.nonRetryable).toBe(false);
    } finally {
      s3.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
