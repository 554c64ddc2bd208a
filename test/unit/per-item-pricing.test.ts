import { readFileSync } from 'node:fs';
import { reportText } from '../../src/cli/report-text';
import { finalizeJob } from '../../src/report/finalize-job';
import { realtimeComparison } from '../../src/report/model-costs';
import type { ItemOutcome, Tier } from '../../src/results/item-outcome';
import { coreFixture } from '../support/core-fixtures';
import { ticket } from '../support/datasets';

const ITEMS = 10;

function answer(seq: number, generation: number, tier: Tier, tokensIn: number, tokensOut: number, costUsd: number): ItemOutcome {
  return {
    seq, line: seq + 1, itemKey: ticket(seq).id, requestKey: `g${generation}-k${seq}`, state: 'succeeded', reason: null, message: null,
    generation, round: 0, tier, output: { category: 'bug', urgency: 2, summary: `item ${seq}` }, tokensIn, tokensOut, costUsd,
  };
}

describe('the realtime comparison prices each item at the model and tier that produced it', () => {
  it('a job run on gpt-4o-mini, then 3 items reprocessed on gpt-4o: the comparison is the per-item sum, not all items at gpt-4o', async () => {
    const f = coreFixture();
    const file = f.write('t.jsonl', Array.from({ length: ITEMS }, (_, i) => JSON.stringify(ticket(i))).join('\n') + '\n');
    const first = f.spec({ model: 'gpt-4o-mini', dataset: { path: file, idField: 'id' } });
    const second = f.spec({ model: 'gpt-4o', dataset: { path: file, idField: 'id' } });
    const finalize = (spec: typeof first, generation: number) =>
      finalizeJob({ spec, generation, cancelled: false, rounds: 1, shards: 1, timings: {}, startedAt: new Date(0).toISOString() }, { blobs: f.blobs, store: f.store, prices: f.prices });

    // generation 0: every item in batch on gpt-4o-mini, paid at its batch price
    const gen0 = Array.from({ length: ITEMS }, (_, i) => answer(i, 0, 'batch', 1000 + i, 200, f.prices.cost('gpt-4o-mini', 'batch', 1000 + i, 200)));
    await f.store.upsertJob({ jobId: first.jobId, generation: 0, total: ITEMS, spec: first });
    await f.store.upsertOutcomes(first.jobId, first.taskVersion, gen0, first.model);
    const before = await finalize(first, 0);
    // generation 1 on gpt-4o: items 0 and 1 in batch, item 2 on the realtime tier; the other 7 stay as they were
    const gen1 = [
      answer(0, 1, 'batch', 900, 150, f.prices.cost('gpt-4o', 'batch', 900, 150)),
      answer(1, 1, 'batch', 901, 150, f.prices.cost('gpt-4o', 'batch', 901, 150)),
      answer(2, 1, 'realtime', 902, 150, f.prices.cost('gpt-4o', 'realtime', 902, 150)),
    ];
    await f.store.upsertJob({ jobId: second.jobId, generation: 1, total: ITEMS, spec: second });
    await f.store.upsertOutcomes(second.jobId, second.taskVersion, gen1, second.model);
    const after = await finalize(second, 1);

    const items = [...gen1.map((o) => ({ o, model: 'gpt-4o' })), ...gen0.slice(3).map((o) => ({ o, model: 'gpt-4o-mini' }))];
    const perItem = items.reduce((sum, { o, model }) => sum + f.prices.realtimeCost(model, o.tokensIn, o.tokensOut), 0);
    const paid = items.reduce((sum, { o }) => sum + o.costUsd, 0);
    expect(after.cost.realtimeUsd).toBeCloseTo(perItem, 6);
    expect(after.cost.paidUsd).toBeCloseTo(paid, 6);
    expect(after.cost.savedUsd).toBeCloseTo(perItem - paid, 6);
    const allAtNewest = f.prices.realtimeCost('gpt-4o', after.tokens.in, after.tokens.out);
    expect(after.cost.realtimeUsd).toBeLessThan(allAtNewest / 2); // what the report said before: every item at gpt-4o
    expect(after.cost.byModel?.map((m) => [m.model, m.items])).toEqual([['gpt-4o-mini', 7], ['gpt-4o', 3]]);
    expect(after.cost.priceKnown).toBe(true);
    expect(before.cost.realtimeUsd).toBeCloseTo(gen0.reduce((s, o) => s + f.prices.realtimeCost('gpt-4o-mini', o.tokensIn, o.tokensOut), 0), 6);

    expect(reportText(after)).toMatch(/ {2}models {5}gpt-4o-mini 7 items \$\S+ \(realtime \$\S+\), gpt-4o 3 items \$\S+ \(realtime \$\S+\)/);
    const page = readFileSync(after.files.reportHtml!, 'utf8');
    expect(page).toContain('<tr><th>gpt-4o</th><td>3 items</td>');
    expect(page).toContain('Each item is priced at the model and tier that produced it.');
  });

  it('reads rows stored before models were kept as the job\'s model; items that sent no request compare at $0', () => {
    const f = coreFixture();
    const rows = [
      { model: null, tier: 'batch', items: 2, tokensIn: 2_000_000, tokensOut: 0, costUsd: 0.15 },
      { model: 'gpt-4o', tier: 'flex', items: 1, tokensIn: 1_000_000, tokensOut: 0, costUsd: 1.25 },
      { model: 'gpt-4o', tier: 'cache', items: 5, tokensIn: 0, tokensOut: 0, costUsd: 0 },
      { model: 'gpt-4o', tier: 'none', items: 1, tokensIn: 0, tokensOut: 0, costUsd: 0 },
    ];
    const comparison = realtimeComparison(rows, 'gpt-4o-mini', f.prices);
    expect(comparison.realtimeUsd).toBeCloseTo(2 * 0.15 + 2.5, 9);
    expect(comparison.byModel.map((m) => [m.model, m.items, m.realtimeUsd])).toEqual([['gpt-4o', 7, 2.5], ['gpt-4o-mini', 2, 0.3]]);
    expect(comparison).toMatchObject({ priceKnown: true });
    expect(comparison.priceNote).toBeUndefined();
  });

  it('says which model has no price, or a guessed one, and counts the cost unknown when one is missing', () => {
    const f = coreFixture();
    const comparison = realtimeComparison(
      [
        { model: 'gpt-4o-mini-2024-07-18', tier: 'batch', items: 1, tokensIn: 10, tokensOut: 1, costUsd: 0 },
        { model: 'my-finetune', tier: 'batch', items: 1, tokensIn: 10, tokensOut: 1, costUsd: 0 },
      ],
      'my-finetune',
      f.prices,
    );
    expect(comparison.priceKnown).toBe(false);
    expect(comparison.priceNote).toBe(
      'no price listed for gpt-4o-mini-2024-07-18: priced as gpt-4o-mini (set it in LONGHAUL_PRICES if it differs); no price listed for my-finetune: costs read $0 (add it with LONGHAUL_PRICES)',
    );
  });
});
