import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectExactlyOnce } from '../support/job-assertions';
import { testS3 } from '../support/store-servers';
import { waitFor } from '../support/worker-process';
import { retriedFailureMessages } from './retried-failures';

const ITEMS = 300;
const PER_SHARD = 50;

jest.setTimeout(240_000);

const SLOW_DOWN = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';

/**
 * An HTTP proxy in front of the S3 server that, while `throttle` is on, answers every request with S3's
 * 503 SlowDown, as S3 does to a prefix that gets too many requests. Requests pass with their headers as signed.
 */
async function startThrottlingProxy(target: URL) {
  let throttling = false;
  let refused = 0;
  const server = http.createServer((req, res) => {
    if (throttling) {
      refused++;
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' });
      res.end(SLOW_DOWN);
      return;
    }
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    throttle(on: boolean) {
      throttling = on;
    },
    refused: () => refused,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * S3 answers 503 SlowDown to everything for a few seconds while a job's collects copy the provider's files into
 * the bucket. The SDK's own retries do not outlast it; the activities fail as retryable StorageTransient, Temporal
 * retries them, and the job completes with every item and no batch submitted twice.
 */
describe('S3 throttling a whole job with 503 SlowDown', () => {
  let proxy: Awaited<ReturnType<typeof startThrottlingProxy>> | undefined;
  let stack: TestStack | undefined;
  afterAll(async () => {
    await stack?.stop();
    await proxy?.close();
  });

  it('the job completes with one outcome per item', async () => {
    const s3 = testS3();
    const bucket = await s3.createBucket();
    proxy = await startThrottlingProxy(new URL(s3.endpoint));
    const env = { ...s3.env(), AWS_ENDPOINT_URL_S3: proxy.endpoint, LONGHAUL_BLOB_STORE: `s3://${bucket}/longhaul` };
    stack = await startTestStack({ env, scenario: { clock: { speed: 2000 } } });
    stack.emulator.setScenario({ endpointFaults: [{ method: 'GET', path: '/v1/files/*/content', action: 'delay', delayMs: 2_000 }] });
    const job = await stack.client.start({
      jobId: 's3-slowdown',
      dataset: { path: writeTicketsJsonl(stack.dir, ITEMS), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: PER_SHARD, shardsInFlight: 6 },
      polling: { initialSeconds: 0.3, maxSeconds: 1 },
      timeouts: { heartbeatSeconds: 5, requestSeconds: 10 },
    });
    const emulatorLog = stack.emulatorLog;
    await waitFor('a collect downloading', () => emulatorLog.some((l) => l.startsWith('fault delay GET /v1/files/')), 90_000);
    proxy.throttle(true);
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    proxy.throttle(false);

    const report = await job.result();
    expect(report).toMatchObject({ total: ITEMS, counts: { succeeded: ITEMS, failed: 0 } });
    const lines = [];
    for await (const line of stack.client.job('s3-slowdown').results()) lines.push(line);
    expect(lines.map((l) => l.line)).toEqual(Array.from({ length: ITEMS }, (_, i) => i + 1));
    expectExactlyOnce(stack.emulator, 's3-slowdown');
    expect(proxy.refused()).toBeGreaterThan(0);
    const retried = await retriedFailureMessages(stack, 's3-slowdown', ITEMS / PER_SHARD);
    expect(retried.map((r) => r.type)).toContain('StorageTransient');
    // what S3 said, also for a HEAD answer (no body: the SDK names it only "UnknownError")
    for (const { type, message } of retried.filter((r) => r.type === 'StorageTransient')) expect({ type, message }).toEqual({ type, message: expect.stringMatching(/\(HTTP 503( SlowDown)?\)$/) });
  });
});
