import { readFileSync } from 'node:fs';
import { finalizeJob } from '../../src/report/finalize-job';
import type { ItemOutcome, StoredOutcome } from '../../src/results/item-outcome';
import { resultLineJson, toResultLine } from '../../src/results/result-line';
import { coreFixture } from '../support/core-fixtures';
import { ticket } from '../support/datasets';

function outcome(seq: number, overrides: Partial<ItemOutcome> = {}): ItemOutcome {
  return {
    seq, line: seq + 1, itemKey: ticket(seq).id, requestKey: `k${seq}`, state: 'succeeded', reason: null, message: null,
    generation: 0, round: 0, tier: 'batch', output: { category: 'bug', urgency: 2, summary: `item ${seq}` },
    tokensIn: 40, tokensOut: 12, costUsd: 0.000012345678912, ...overrides,
  };
}

function stored(o: ItemOutcome): StoredOutcome {
  const { output, ...rest } = o;
  return { ...rest, outputJson: output === undefined ? null : JSON.stringify(output) };
}

const ITEMS = 6;

async function setup(outcomes: ItemOutcome[], output: { includeInput?: boolean; format?: 'jsonl' | 'csv' } = {}) {
  const f = coreFixture();
  const file = f.write('t.jsonl', Array.from({ length: ITEMS }, (_, i) => JSON.stringify(ticket(i))).join('\n') + '\n');
  const spec = f.spec({ dataset: { path: file, idField: 'id' }, output });
  await f.store.upsertJob({ jobId: spec.jobId, generation: 0, total: ITEMS, spec });
  await f.store.upsertOutcomes(spec.jobId, spec.taskVersion, outcomes);
  const report = await finalizeJob(
    { spec, generation: 0, cancelled: false, rounds: 1, shards: 1, timings: {}, startedAt: new Date(0).toISOString() },
    { blobs: f.blobs, store: f.store, prices: f.prices },
  );
  const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);
  return { report, results: lines(report.files.results), deadLetter: lines(report.files.deadLetter) };
}

describe('finalize: the results file', () => {
  it('writes a stored outcome exactly as JSON.stringify would, without parsing its output', () => {
    const cases: ItemOutcome[] = [
      outcome(0),
      outcome(1, { output: 'plain "text" answer\nwith a line break' }),
      outcome(2, { output: null }),
      outcome(3, { output: undefined, state: 'failed', reason: 'invalid_output', message: 'output.category must be one of …' }),
      outcome(4, { state: 'failed_retryable', reason: 'server_error', message: null, costUsd: 0 }),
      outcome(5, { itemKey: 'ключ "7"\t', tier: 'cache', state: 'cached', round: 2, output: [1, 2.5, { a: 'é' }] }),
    ];
    for (const o of cases) {
      expect(resultLineJson(stored(o))).toBe(JSON.stringify(toResultLine(o)));
      expect(resultLineJson(stored(o), { id: 'x', n: 1 })).toBe(JSON.stringify(toResultLine(o, { id: 'x', n: 1 })));
    }
  });

  it('needs only the store when every item has an outcome and none failed', async () => {
    const all = Array.from({ length: ITEMS }, (_, i) => outcome(i));
    const { results, deadLetter, report } = await setup(all);
    expect(results).toEqual(all.map((o) => JSON.stringify(toResultLine(o))));
    expect(deadLetter).toEqual([]);
    expect(report.counts).toEqual({ succeeded: ITEMS, failed: 0, cancelled: 0, cached: 0 });
  });

  it('reads the dataset beside the store for gaps, failed items (dead letters carry their input) and inputs', async () => {
    const some = [outcome(0), outcome(1, { state: 'failed', reason: 'invalid_request', message: 'bad', output: undefined }), outcome(3), outcome(4), outcome(5)];
    const { results, deadLetter, report } = await setup(some);
    expect(results).toHaveLength(ITEMS);
    expect(results.map((l) => JSON.parse(l).state)).toEqual(['succeeded', 'failed', 'failed', 'succeeded', 'succeeded', 'succeeded']);
    expect(JSON.parse(results[2]!).error.reason).toBe('missing_result');
    expect(deadLetter.map((l) => JSON.parse(l))).toEqual([
      { id: ticket(1).id, line: 2, reason: 'invalid_request', message: 'bad', input: ticket(1) },
      { id: ticket(2).id, line: 3, reason: 'missing_result', message: 'no outcome was recorded for this item', input: ticket(2) },
    ]);
    expect(report.total).toBe(ITEMS);

    const withInput = await setup(Array.from({ length: ITEMS }, (_, i) => outcome(i)), { includeInput: true });
    expect(withInput.results.map((l) => JSON.parse(l).input)).toEqual(Array.from({ length: ITEMS }, (_, i) => ticket(i)));
  });
});
