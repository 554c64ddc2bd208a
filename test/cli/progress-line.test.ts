import { progressCounts, progressLine, type ProgressInput } from '../../src/cli/progress-view';

function progress(over: Partial<ProgressInput> = {}): ProgressInput {
  return {
    jobId: 'j', status: 'running', generation: 0, round: 0, tier: 'batch', total: 3000,
    items: { succeeded: 0, failed: 0, cancelled: 0, cached: 0, retrying: 0, pending: 3000 },
    shards: { total: 3, queued: 0, running: 3, done: 0 }, runningShards: [],
    tokens: { in: 0, out: 0, estimatedQueued: 0 }, costUsd: 1.5, startedAt: '2026-01-01T00:00:00Z', etaSeconds: 7200, paused: false,
    ...over,
  };
}

describe('progress bar', () => {
  it('counts requests finished inside running batches: a long batch does not sit at 0%', () => {
    const p = progress({ shardDetails: [{ counts: { completed: 900, failed: 0 } }, { counts: { completed: 450, failed: 150 } }] });
    expect(progressCounts(p)).toMatchObject({ done: 1500, total: 3000 });
    expect(progressLine(p)).toMatch(/ 50% \| 1,500\/3,000 items/);
  });

  it('a cached job that ended before prepare\'s total was seen shows 3,000/3,000, not 3,000/0', () => {
    const p = progress({ total: 0, status: 'completed', items: { succeeded: 0, failed: 0, cancelled: 0, cached: 3000, retrying: 0, pending: 0 } });
    expect(progressLine(p)).toMatch(/100% \| 3,000\/3,000 items/);
  });

  it('at 80 columns keeps state, done/total, ETA and cost', () => {
    const p = progress({ items: { succeeded: 1200, failed: 3, retrying: 10, cached: 0, cancelled: 0, pending: 1787 }, tokens: { in: 1_234_567, out: 345_678, estimatedQueued: 0 } });
    const line = progressLine(p, 79);
    expect(line.length).toBeLessThanOrEqual(79);
    for (const part of ['1,203/3,000 items', 'ETA 2h', '$1.50', 'running']) expect(line).toContain(part);
    expect(line).toMatch(/^\[█+░+\]/);
  });
});
