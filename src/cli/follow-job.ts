import type { JobHandle } from '../client/job-handle';
import type { JobReport } from '../report/job-report';
import type { CliContext } from './cli-command';
import { EXIT } from './cli-errors';
import { numberFlag } from './cli-flags';
import { endedReport, temporalStatus } from './job-state';
import { reportText } from './report-text';
import { watchJob } from './watch-job';

/** `--max-failed-ratio R` of the commands that wait for a job's end (run --watch, watch, results --wait, reprocess --watch). */
export const MAX_FAILED_RATIO_OPTION = { 'max-failed-ratio': { type: 'string' } } as const;
export const MAX_FAILED_RATIO_HELP = '  --max-failed-ratio R  exit 1 when more than this share (0-1) of the items failed (default 0: any failed item)';

/** The flag's value, 0 when absent. @throws CliError (exit 2) outside 0..1. */
export function maxFailedRatioFlag(value: unknown): number {
  return numberFlag(value, 'max-failed-ratio', (n) => n >= 0 && n <= 1) ?? 0;
}

/** The share of the job's items that ended failed (0 for an empty job). */
export function failedRatio(report: JobReport): number {
  return report.total > 0 ? report.counts.failed / report.total : 0;
}

/** 0 when the job completed with at most `maxFailedRatio` of its items failed; 1 when more failed or it was cancelled. */
export function exitCodeOf(report: JobReport, maxFailedRatio = 0): number {
  return report.status === 'completed' && failedRatio(report) <= maxFailedRatio ? EXIT.ok : EXIT.failed;
}

/** The exit code, with one line on stderr saying why a completed job still exits 1. */
export function exitCodeWithReason(ctx: Pick<CliContext, 'stderr'>, report: JobReport, maxFailedRatio: number): number {
  const code = exitCodeOf(report, maxFailedRatio);
  if (code !== EXIT.ok && report.status === 'completed') {
    ctx.stderr.write(`${report.counts.failed} of ${report.total} items failed, more than --max-failed-ratio ${maxFailedRatio} allows: exit 1\n`);
  }
  return code;
}

/** Prints a finished job's report: text with its UI link, or JSON (`--json`). */
export function printReport(ctx: Pick<CliContext, 'stdout'>, job: JobHandle, report: JobReport, json: boolean): void {
  if (json) ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else ctx.stdout.write(`${reportText(report)}\n${job.uiUrl ? `  Temporal   ${job.uiUrl}\n` : ''}`);
}

/**
 * Shows the live progress bar until the job ends (on stderr with `--json`, so stdout stays data), then prints
 * its report. A job that has already ended prints its report at once. Ctrl-C stops watching, not the job.
 * Resolves to the exit code: 0 completed, 1 cancelled or more failed items than `maxFailedRatio`, 130 interrupted.
 */
export async function followJob(ctx: CliContext, job: JobHandle, json: boolean, maxFailedRatio = 0): Promise<number> {
  if ((await temporalStatus(job)) !== 'RUNNING') {
    const report = await endedReport(job);
    printReport(ctx, job, report, json);
    return exitCodeWithReason(ctx, report, maxFailedRatio);
  }
  const progressOut = json ? ctx.stderr : ctx.stdout;
  const report = await watchJob(job, progressOut, ctx.interrupted);
  if (!report) {
    progressOut.write(`Stopped watching; job ${job.jobId} goes on. Follow it again with: longhaul watch ${job.jobId}\n`);
    return EXIT.interrupted;
  }
  if (!json) ctx.stdout.write('\n');
  printReport(ctx, job, report, json);
  return exitCodeWithReason(ctx, report, maxFailedRatio);
}
