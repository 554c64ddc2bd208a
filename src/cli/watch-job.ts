import { setTimeout as sleep } from 'node:timers/promises';
import type { JobHandle } from '../client/job-handle';
import type { JobReport } from '../report/job-report';
import type { JobProgress } from '../../workflows/definitions';
import { ProgressView, type ProgressInput } from './progress-view';

/**
 * Shows a job's progress until it ends (returns its report) or `stop` resolves (returns undefined; the job
 * goes on). Progress comes from queries, so watching adds nothing to the job's history.
 */
export async function watchJob(job: JobHandle, out: NodeJS.WritableStream, stop?: Promise<void>): Promise<JobReport | undefined> {
  const view = new ProgressView(out);
  let ended = false;
  const result = job.result().finally(() => (ended = true));
  result.catch(() => undefined);
  const stopped = stop?.then(() => 'stopped' as const);
  let last: ProgressInput | undefined;
  while (!ended) {
    try {
      // with the running batches' live counts, so a long batch moves the bar before it is collected
      last = await job.detailedProgress();
      view.update(last);
    } catch {
      // a query can fail while the workflow moves between workers or ends; the next round will tell
    }
    const woke = await Promise.race([sleep(500).then(() => 'tick' as const), result.then(() => 'ended' as const, () => 'ended' as const), ...(stopped ? [stopped] : [])]);
    if (woke === 'stopped') {
      view.done(last);
      return undefined;
    }
  }
  const report = await result;
  view.done(last ? { ...last, shardDetails: [], status: report.status, items: { ...report.counts, retrying: 0, pending: 0 }, costUsd: report.cost.paidUsd, tokens: { in: report.tokens.in, out: report.tokens.out, estimatedQueued: 0 }, shards: { ...last.shards, done: last.shards.total, running: 0 }, etaSeconds: undefined } as JobProgress : undefined);
  return report;
}
