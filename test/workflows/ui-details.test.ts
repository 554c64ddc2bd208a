import { setTimeout as sleep } from 'node:timers/promises';
import { TICKET_PROMPT, writeTicketsJsonl } from '../support/datasets';
import { startTestStack, type TestStack } from '../support/stack';

/** The Temporal UI reads a workflow's current details through the built-in metadata query; so do we. */
describe('the job page in the Temporal UI shows progress without a Longhaul query', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ scenario: { timing: { inProgressSeconds: 300_000, cancellingSeconds: 1 } } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('the job workflow\'s current details say its state, items, shards and cost, and follow it', async () => {
    const input = writeTicketsJsonl(stack.dir, 30);
    const job = await stack.client.start({
      jobId: 'ui-details',
      dataset: { path: input, idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      limits: { maxRequestsPerShard: 10, shardsInFlight: 2 },
      polling: { initialSeconds: 0.2, maxSeconds: 0.5 },
    });
    const handle = stack.client.temporal.workflow.getHandle('longhaul/ui-details');
    const details = async () => ((await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails ?? '');
    const deadline = Date.now() + 30_000;
    let text = '';
    while (!/shards: 0\/3 done, 2 running, 1 queued/.test(text)) {
      if (Date.now() > deadline) throw new Error(`details never showed running shards; last: ${text}`);
      await sleep(200);
      text = await details();
    }
    expect(text).toMatch(/^\*\*running\*\* - generation 0, round 0/);
    expect(text).toContain('items: 0/30 settled (0%)');
    // a running shard's page shows its batch id and the provider's live counts
    const shard = stack.client.temporal.workflow.getHandle('longhaul/ui-details/g0/r0/s0');
    let shardText = '';
    while (!/- batch: batch_/.test(shardText)) {
      if (Date.now() > deadline) throw new Error(`shard details never showed its batch; last: ${shardText}`);
      await sleep(200);
      shardText = (await shard.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails ?? '';
    }
    expect(shardText).toMatch(/shard ui-details\/g0\/r0\/s0/);
    expect(shardText).toMatch(/requests: \d+ completed, \d+ failed of 10/);
    await job.cancel('test');
    await job.result().catch(() => undefined);
    expect(await details()).toMatch(/^\*\*cancelled\*\*/);
  });
});
