import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectExactlyOnce, expectOneOutcomePerItem } from '../support/job-assertions';

describe('a 10,000-item job across many shards', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ scenario: { clock: { speed: 5000 }, requestFaults: { serverErrorRate: 0.01, brokenSchemaRate: 0.01 } } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('gives every item one outcome, submits each shard once, and keeps history small', async () => {
    const input = writeTicketsJsonl(stack.dir, 10_000);
    const job = await stack.client.start({
      jobId: 'large-10k',
      dataset: { path: input, idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 1_000, shardsInFlight: 4 },
      polling: { initialSeconds: 0.5, maxSeconds: 2 },
    });
    const report = await job.result();
    const lines = expectOneOutcomePerItem(report, 10_000);
    expect(report.counts.succeeded).toBe(10_000);
    expect(report.rounds).toBeGreaterThanOrEqual(2);
    expect(new Set(lines.map((l) => l.id)).size).toBe(10_000);
    expectExactlyOnce(stack.emulator, 'large-10k');
    const history = await stack.client.temporal.workflow.getHandle(job.workflowId).fetchHistory();
    // grows with shards and rounds, never with items
    expect(history.events?.length ?? 0).toBeLessThan(400);
  });
});
