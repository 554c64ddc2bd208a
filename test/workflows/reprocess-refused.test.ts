import path from 'node:path';
import { ReprocessRejectedError } from '../../src/client/client-errors';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectOneOutcomePerItem } from '../support/job-assertions';

/**
 * A reprocess the worker refuses before it begins (changes that cannot run) leaves the job as its last
 * generation left it: the run started for it completes with the previous report instead of failing the job,
 * and the client's error names the cause as bad input.
 */
describe('a reprocess refused by the worker', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ scenario: { clock: { speed: 2000 } } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('leaves the job completed with its report, and says why', async () => {
    const job = await stack.client.start({
      jobId: 'refused-reprocess',
      dataset: { path: writeTicketsJsonl(path.join(stack.dir, 'refused'), 20), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 10 },
      polling: { initialSeconds: 0.2, maxSeconds: 0.5 },
    });
    const before = await job.result();
    expectOneOutcomePerItem(before, 20);
    // a model with no known price: the worker's check refuses it before anything is read or sent
    const refused = await job.reprocess({ all: true, changes: { model: 'no-such-model-1' } }).then(() => undefined, (err: unknown) => err);
    expect(refused).toBeInstanceOf(ReprocessRejectedError);
    expect((refused as ReprocessRejectedError).badInput).toBe(true);
    expect((refused as Error).message).toContain('no-such-model-1');
    const after = await job.result();
    const described = await stack.client.temporal.workflow.getHandle(job.workflowId).describe();
    expect(described.status.name).toBe('COMPLETED');
    // visibility follows the run's end a moment later
    let listed: string | undefined;
    for (let tries = 0; tries < 50 && listed !== 'completed'; tries++) {
      for await (const summary of stack.client.list({ query: `LonghaulJobId = '${job.jobId}'` })) listed = summary.status;
      if (listed !== 'completed') await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(listed).toBe('completed');
    expect(after.generation).toBe(before.generation);
    expect(after.counts).toEqual(before.counts);
    // and the job can still be reprocessed with changes that run
    const again = await job.reprocess({ all: true, changes: { prompt: { messages: [{ role: 'user', content: 'Triage: {{subject}}' }] } } });
    expect(again.generation).toBe(before.generation + 1);
    expectOneOutcomePerItem(await job.result(), 20);
  });
});
