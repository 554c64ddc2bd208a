import path from 'node:path';
import type { StartSpec } from '../../src/client/start-spec';
import { PriceTable } from '../../src/report/price-table';
import { openResultStore } from '../../src/results/open-result-store';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * The report's realtime comparison after a reprocess with another model, through a real run (Temporal, worker,
 * emulator, SQLite): each item is priced at the model that produced it, as the store recorded it per item.
 */
describe('a reprocess with another model is priced per item', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ scenario: { clock: { speed: 2000 }, requestFaults: { invalidRequestRate: 0.3 } } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('run on gpt-4o-mini, failed items reprocessed on gpt-4o: the comparison is the per-item sum, not every item at gpt-4o', async () => {
    const jobId = `priced-${Math.random().toString(36).slice(2, 8)}`;
    const spec: StartSpec = {
      jobId,
      dataset: { path: writeTicketsJsonl(path.join(stack.dir, jobId), 40), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: { messages: [{ role: 'system', content: `Classify. [${jobId}]` }, TICKET_PROMPT.messages[1]!] },
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 20 },
      polling: { initialSeconds: 0.2, maxSeconds: 0.5 },
    };
    const job = await stack.client.start(spec);
    const first = await job.result();
    expect(first.counts.failed).toBeGreaterThan(0);
    expect(first.counts.succeeded).toBeGreaterThan(0);
    stack.emulator.setScenario({ clock: { speed: 2000 }, requestFaults: {} });
    await job.reprocess({ changes: { model: 'gpt-4o' } });
    const second = await job.result();
    expect(second).toMatchObject({ generation: 1, model: 'gpt-4o', counts: { succeeded: 40, failed: 0 } });

    // what the store recorded per item: generation 0 answered by gpt-4o-mini, generation 1 by gpt-4o
    const prices = new PriceTable();
    const store = await openResultStore(stack.config.results);
    let perItem = 0;
    let tokensIn = 0;
    let tokensOut = 0;
    try {
      for await (const item of store.iterate(jobId)) {
        perItem += prices.realtimeCost(item.generation === 0 ? 'gpt-4o-mini' : 'gpt-4o', item.tokensIn, item.tokensOut);
        tokensIn += item.tokensIn;
        tokensOut += item.tokensOut;
      }
      expect((await store.counts(jobId)).byModelTier.map((e) => [e.model, e.items])).toEqual([
        ['gpt-4o', first.counts.failed],
        ['gpt-4o-mini', first.counts.succeeded],
      ]);
    } finally {
      await store.close();
    }
    expect(second.cost.realtimeUsd).toBeCloseTo(perItem, 6);
    expect(second.cost.realtimeUsd).toBeLessThan(prices.realtimeCost('gpt-4o', tokensIn, tokensOut));
    expect(second.cost.byModel?.map((m) => [m.model, m.items]).sort()).toEqual([['gpt-4o', first.counts.failed], ['gpt-4o-mini', first.counts.succeeded]]);
  });
});
