import type { Generation } from '../../activities';
import type { PrepareResult } from '../../src/dataset/prepare-job';
import { progressCounts } from '../../src/cli/progress-view';
import { JobTracker } from '../../workflows/internal/job-tracker';

const prepared = (over: Partial<PrepareResult>): PrepareResult => ({ total: 0, queued: 0, badRows: 0, cached: 0, untouched: 0, estTokens: 0, shards: [], ...over });

describe('job progress across a reprocess', () => {
  it('items a reprocess leaves as they were count as done; the re-queued ones are pending, not also failed', () => {
    const tracker = new JobTracker('j');
    tracker.begin({ generation: 0 } as Generation);
    tracker.prepared(prepared({ total: 1000, queued: 1000 }));
    tracker.shardDone({ succeeded: 900, failed: 100, cancelled: 0, retryable: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 } as never, 0);
    expect(progressCounts(tracker.progress())).toMatchObject({ done: 1000, total: 1000 });

    tracker.begin({ generation: 1 } as Generation);
    tracker.prepared(prepared({ total: 1000, queued: 100, untouched: 900 }));
    const p = tracker.progress();
    expect(p.items).toMatchObject({ succeeded: 900, failed: 0, pending: 100 });
    expect(progressCounts(p)).toMatchObject({ done: 900, total: 1000, fraction: 0.9 });
  });
});
