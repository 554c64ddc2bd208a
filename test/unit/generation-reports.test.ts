import { readFileSync } from 'node:fs';
import { finalizeJob } from '../../src/report/finalize-job';
import { readEarlierReports, readStoredReport } from '../../src/report/stored-report';
import type { ItemOutcome } from '../../src/results/item-outcome';
import { jobLayout } from '../../src/storage/job-layout';
import { coreFixture } from '../support/core-fixtures';
import { ticket } from '../support/datasets';

const ITEMS = 4;
const outcome = (seq: number, generation: number): ItemOutcome => ({
  seq, line: seq + 1, itemKey: ticket(seq).id, requestKey: `k${seq}`, state: 'succeeded', reason: null, message: null, tokensIn: 100, tokensOut: 20, costUsd: 0.001,
  generation, round: 0, tier: 'batch', output: { category: 'bug', urgency: 2, summary: `item ${seq}` },
});

describe('finalize keeps every generation report', () => {
  it('a reprocess writes a new report.json but keeps the first generation, and its page shows both side by side', async () => {
    const f = coreFixture();
    const file = f.write('t.jsonl', Array.from({ length: ITEMS }, (_, i) => JSON.stringify(ticket(i))).join('\n') + '\n');
    const spec = f.spec({ dataset: { path: file, idField: 'id' } });
    const finalize = async (generation: number, cancelled: boolean) => {
      await f.store.upsertJob({ jobId: spec.jobId, generation, total: ITEMS, spec });
      await f.store.upsertOutcomes(spec.jobId, spec.taskVersion, Array.from({ length: ITEMS }, (_, i) => outcome(i, generation)));
      return finalizeJob(
        { spec, generation, cancelled, rounds: 1, shards: 1, timings: {}, startedAt: new Date(0).toISOString() },
        { blobs: f.blobs, store: f.store, prices: f.prices },
      );
    };
    const first = await finalize(0, true);
    const second = await finalize(1, false);
    expect(await readStoredReport(f.blobs, spec.jobId)).toEqual(second);
    expect(await readEarlierReports(f.blobs, spec.jobId, 1)).toEqual([first]);
    expect(await f.blobs.exists(jobLayout.generationReport(spec.jobId, 1))).toBe(true);
    const page = readFileSync(second.files.reportHtml!, 'utf8');
    expect(page).toContain('<th>generation 0</th><th>generation 1</th>');
    expect(page).toMatch(/<th>status<\/th><td>cancelled<\/td><td>completed<\/td>/);
  });
});
