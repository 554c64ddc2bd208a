import { randomBytes } from 'node:crypto';
import { NativeConnection } from '@temporalio/worker';
import { createLonghaulClient } from '../../src/client/longhaul-client';
import { loadConfig } from '../../src/config/longhaul-config';
import { createLonghaulWorker } from '../../src/worker/create-worker';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectOneOutcomePerItemOf } from '../support/job-assertions';
import { startTestStack, workflowBundle, type TestStack } from '../support/stack';

/** Polls an async check every 250 ms until it gives a value. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Workers and clients must share the key ring. A worker without the key cannot read an encrypted job: its
 * workflow tasks fail (retried by Temporal, the job waits, nothing is lost), and a worker with the key finishes it.
 */
describe('an encrypted job and a worker without the key', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
  });

  it('stays open with failed workflow tasks naming the encoding, then completes on a worker with the key', async () => {
    stack = await startTestStack({ worker: false, scenario: { clock: { speed: 2000 } }, env: { LONGHAUL_PAYLOAD_KEY: randomBytes(32).toString('base64') } });
    const connection = await NativeConnection.connect({ address: stack.address });
    const bundle = workflowBundle();
    const keyless = await createLonghaulWorker({ connection, config: loadConfig({}, { dataDir: stack.config.dataDir, taskQueue: stack.config.taskQueue, accounts: stack.config.accounts }), ...(bundle ? { workflowBundle: bundle } : {}) });
    const running = keyless.worker.run();
    try {
      const job = await stack.client.start({
        jobId: 'needs-the-key',
        dataset: { path: writeTicketsJsonl(stack.dir, 6), idField: 'id' },
        model: 'gpt-4o-mini',
        prompt: TICKET_PROMPT,
        outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
        polling: { initialSeconds: 0.2, maxSeconds: 1 },
      });
      const handle = stack.client.temporal.workflow.getHandle('longhaul/needs-the-key');
      const failure = await eventually(
        'a failed workflow task',
        async () => (await handle.fetchHistory()).events?.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes?.failure?.message,
        60_000,
      );
      expect(failure).toMatch(/Unknown encoding: binary\/encrypted/);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      // a client without the key still lists it (visibility, not its encrypted memo): status never fails on one
      const keylessClient = await createLonghaulClient({ address: stack.address, config: loadConfig({}, { dataDir: stack.config.dataDir, taskQueue: stack.config.taskQueue }) });
      try {
        const listed: string[] = [];
        for await (const summary of keylessClient.list({ query: `LonghaulJobId = 'needs-the-key'` })) listed.push(`${summary.jobId} ${summary.status}`);
        expect(listed).toEqual(['needs-the-key queued']); // no worker with the key has begun it
      } finally {
        await keylessClient.close();
      }
      keyless.worker.shutdown();
      await running;
      await stack.addWorker();
      await expectOneOutcomePerItemOf(job, 6);
    } finally {
      if (keyless.worker.getState() === 'RUNNING') keyless.worker.shutdown();
      await running.catch(() => undefined);
      await keyless.close();
      await connection.close();
    }
  });
});
