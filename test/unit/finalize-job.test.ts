import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readStoredReport } from '../../src/report/stored-report';
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

  it('removes what killed writers left unfinished under the job, keeps a stored copy of the report, and reports strays', async () => {
    const f = coreFixture();
    const file = f.write('t.jsonl', Array.from({ length: ITEMS }, (_, i) => JSON.stringify(ticket(i))).join('\n') + '\n');
    const spec = f.spec({ dataset: { path: file, idField: 'id' }, output: { dir: f.write('out-marker', '') + '-dir' } });
    await f.store.upsertJob({ jobId: spec.jobId, generation: 0, total: ITEMS, spec });
    await f.store.upsertOutcomes(spec.jobId, spec.taskVersion, Array.from({ length: ITEMS }, (_, i) => outcome(i, { costUsd: 0.01 })));
    const killed = f.blobs.createWriter(`jobs/${spec.jobId}/g0/r0/shard-00000.jsonl`);
    await killed.write('x'.repeat(2 << 20)); // flushed to its temporary file, never closed
    const other = f.blobs.createWriter('jobs/another-job/g0/r0/shard-00000.jsonl');
    await other.write('y'.repeat(2 << 20));
    await f.store.recordStray({ batchId: 'batch_stray', shardAttemptId: `${spec.jobId}/g0/r0/s0`, jobId: spec.jobId, provider: 'openai', requests: 6, foundAtMs: 1 });
    const asked: string[] = [];
    const report = await finalizeJob(
      { spec, generation: 0, cancelled: false, rounds: 1, shards: 1, timings: {}, startedAt: new Date(0).toISOString(), resultLines: { malformed: 1, duplicate: 2, conflicting: 3, foreign: 4 } },
      { blobs: f.blobs, store: f.store, prices: f.prices, strayRequestsBilled: async (strays) => (asked.push(...strays.map((s) => s.batchId)), 2) },
    );
    const partials = (dir: string) => readdirSync(dir, { recursive: true }).map(String).filter((name) => name.includes('.partial-'));
    expect(partials(path.join(f.dir, 'blobs', 'jobs', spec.jobId))).toEqual([]);
    expect(partials(path.join(f.dir, 'blobs', 'jobs', 'another-job'))).toHaveLength(1); // another job's writer is left alone
    await other.abort();
    expect(asked).toEqual(['batch_stray']);
    expect(report.integrity).toEqual({ resultLines: { malformed: 1, duplicate: 2, conflicting: 3, foreign: 4 }, strayBatches: { count: 1, requestsBilled: 2, costUsd: 0.02 } });
    expect(report.files.report.startsWith(spec.output.dir!)).toBe(true);
    expect(await readStoredReport(f.blobs, spec.jobId)).toEqual(report); // the job's own folder keeps a copy
  });
});
