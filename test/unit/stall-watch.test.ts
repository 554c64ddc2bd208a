import type { BatchStatus } from '../../src/providers/batch-provider';
import { StallWatch } from '../../workflows/internal/stall-watch';

const HOUR = 3_600_000;
const status = (observedAtMs: number | undefined, completed: number): BatchStatus => ({
  batchId: 'b', phase: 'in_progress', counts: { total: 100, completed, failed: 0 }, errors: [], expiresAtMs: 24 * HOUR,
  ...(observedAtMs !== undefined ? { observedAtMs } : {}),
});

describe('StallWatch: a batch that stopped, told from one that is slow, on the provider clock', () => {
  it('is overdue only past expiry plus grace with no progress for the grace', () => {
    const watch = new StallWatch(HOUR);
    expect(watch.overdueBy(status(20 * HOUR, 50))).toBeUndefined(); // before its expiry
    expect(watch.overdueBy(status(25.5 * HOUR, 60))).toBeUndefined(); // past expiry + grace, but its counts just moved
    expect(watch.overdueBy(status(26 * HOUR, 60))).toBeUndefined(); // still within the grace of that progress
    expect(watch.overdueBy(status(27 * HOUR, 60))).toBe(0.5 * HOUR); // stalled for 1.5 h, past expiry + grace by 2 h: the smaller
  });

  it('leaves a batch that still completes requests past its expiry to finish', () => {
    const watch = new StallWatch(HOUR);
    for (let h = 24; h <= 30; h++) expect(watch.overdueBy(status(h * HOUR, h))).toBeUndefined();
    expect(watch.overdueBy(status(31.5 * HOUR, 30))).toBe(0.5 * HOUR);
  });

  it('says nothing without the provider clock, and carries its state across continue-as-new', () => {
    expect(new StallWatch(HOUR).overdueBy(status(undefined, 0))).toBeUndefined();
    const first = new StallWatch(HOUR);
    first.overdueBy(status(25 * HOUR, 10));
    const carried = new StallWatch(HOUR, first.snapshot());
    expect(carried.overdueBy(status(27 * HOUR, 10))).toBe(HOUR);
  });
});
