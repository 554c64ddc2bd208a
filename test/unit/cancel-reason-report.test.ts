import { readFileSync } from 'node:fs';
import { reportText } from '../../src/cli/report-text';
import { finalizeJob } from '../../src/report/finalize-job';
import { coreFixture } from '../support/core-fixtures';
import { ticket } from '../support/datasets';

describe('a cancelled job\'s report shows why', () => {
  const finalize = async (cancelled: boolean, cancelReason?: string) => {
    const f = coreFixture();
    const file = f.write('t.jsonl', [0, 1].map((i) => JSON.stringify(ticket(i))).join('\n') + '\n');
    const spec = f.spec({ dataset: { path: file, idField: 'id' } });
    await f.store.upsertJob({ jobId: spec.jobId, generation: 0, total: 2, spec });
    return finalizeJob(
      { spec, generation: 0, cancelled, ...(cancelReason !== undefined ? { cancelReason } : {}), rounds: 1, shards: 1, timings: {}, startedAt: new Date(0).toISOString() },
      { blobs: f.blobs, store: f.store, prices: f.prices },
    );
  };

  it('the reason the cancel gave, in report.json, the text and the page', async () => {
    const report = await finalize(true, 'wrong prompt <v2>');
    expect(report).toMatchObject({ status: 'cancelled', cancelReason: 'wrong prompt <v2>', counts: { cancelled: 2 } });
    expect(reportText(report).split('\n')[2]).toBe('  cancelled  wrong prompt <v2>');
    expect(readFileSync(report.files.reportHtml!, 'utf8')).toContain('<p class="meta">Cancelled: wrong prompt &lt;v2&gt;</p>');
  });

  it('a cancel without a reason says so; a completed job has no reason at all', async () => {
    const report = await finalize(true);
    expect(report.cancelReason).toBeNull();
    expect(reportText(report)).toContain('\n  cancelled  on request (no reason given)\n');
    const completed = await finalize(false, 'ignored');
    expect(completed).not.toHaveProperty('cancelReason');
    expect(reportText(completed)).not.toContain('  cancelled  ');
  });
});
