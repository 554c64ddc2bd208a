import { log, upsertSearchAttributes } from '@temporalio/workflow';
import type { JobSettings } from '../../src/contracts/job-settings';
import { SA } from '../../src/contracts/search-attributes';
import type { JobReport } from '../../src/report/job-report';
import { jobSteps } from './activity-proxies';
import type { JobTracker } from './job-tracker';
import { summaries } from './ui-summaries';

/** Settles every item of the generation and writes results, dead letters and the report; lists the job as ended. */
export async function finalizeGeneration(tracker: JobTracker, spec: JobSettings, gen: number, shards: number, rounds: number): Promise<JobReport> {
  tracker.finalizing();
  const started = Date.now();
  const report = await jobSteps(spec.timeouts).finalizeJob.executeWithOptions({ summary: summaries.finalize(gen) }, [{
    jobId: spec.jobId,
    generation: gen,
    cancelled: tracker.cancelRequested,
    // input only, no new command: histories recorded before replay as they were
    ...(tracker.cancelReason !== undefined ? { cancelReason: tracker.cancelReason } : {}),
    rounds: rounds + 1,
    shards,
    timings: tracker.timings,
    shardTimings: tracker.shardTimings,
    startedAt: tracker.startedAt,
    resultLines: tracker.resultLines,
  }]);
  report.timings.finalize = Date.now() - started;
  tracker.finished(report);
  log.info('job ended', { jobId: spec.jobId, generation: gen, status: report.status, ...report.counts });
  upsertSearchAttributes([
    { key: SA.status, value: report.status },
    { key: SA.itemsSucceeded, value: report.counts.succeeded + report.counts.cached },
    { key: SA.itemsFailed, value: report.counts.failed },
  ]);
  return report;
}
