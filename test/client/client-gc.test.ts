import path from 'node:path';
import { gcPlanTotals } from '../../src/client/job-gc';
import { openResultStore } from '../../src/results/open-result-store';
import { openBlobStore } from '../../src/storage/open-blob-store';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { startTestStack, type TestStack } from '../support/stack';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Retention through the public client, as a library user calls it: `planGc` reads only, `applyGc` deletes
 * what the plan lists from the configured blob and result stores.
 */
describe('LonghaulClient.planGc / applyGc', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ scenario: { clock: { speed: 2000 } } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('plans an ended job with its blobs and rows, then deletes exactly those', async () => {
    const jobId = `client-gc-${Math.random().toString(36).slice(2, 8)}`;
    const job = await stack.client.start({
      jobId,
      dataset: { path: writeTicketsJsonl(path.join(stack.dir, 'tickets'), 10), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      polling: { initialSeconds: 0.2, maxSeconds: 0.5 },
    });
    expect((await job.result()).counts.succeeded).toBe(10);
    const blobs = openBlobStore(stack.config.storage);
    const store = await openResultStore(stack.config.results);
    try {
      const files = await blobs.entries(`jobs/${jobId}/`);
      const rows = await store.jobRows(jobId);
      expect((await stack.client.planGc(86_400_000)).jobs).toEqual([]);

      await sleep(1500);
      const plan = await stack.client.planGc(1000);
      expect(plan.jobs).toEqual([expect.objectContaining({ jobId, status: 'completed', blobs: files.length, rows })]);
      expect(await blobs.entries(`jobs/${jobId}/`)).toEqual(files);

      const removed: string[] = [];
      const totals = await stack.client.applyGc(plan, (j, gone) => gone && removed.push(j.jobId));
      expect(removed).toEqual([jobId]);
      expect(totals).toEqual(gcPlanTotals(plan));
      expect(await blobs.list(`jobs/${jobId}/`)).toEqual([]);
      expect(await store.getJob(jobId)).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
