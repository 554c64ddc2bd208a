import type { JobHandle } from '../client/job-handle';
import type { JobReport } from '../report/job-report';
import type { CliContext } from './cli-command';
import { EXIT } from './cli-errors';
import { endedReport, temporalStatus } from './job-state';
import { reportText } from './report-text';
import { watchJob } from './watch-job';

/** 0 when the job completed, 1 when it ended cancelled. */
export function exitCodeOf(report: JobReport): number {
  return report.status === 'completed' ? EXIT.ok : EXIT.failed;
}

/** Prints a finished job's report: text with its UI link, or JSON (`--json`). */
export function printReport(ctx: Pick<CliContext, 'stdout'>, job: JobHandle, report: JobReport, json: boolean): void {
  if (json) ctx.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else ctx.stdout.write(`${reportText(report)}\n${job.uiUrl ? `  Temporal   ${job.uiUrl}\n` : ''}`);
}

/**
 * Shows the live progress bar until the job ends (on stderr with `--json`, so stdout stays data), then prints
 * its report. A job that has already ended prints its report at once. Ctrl-C stops watching, not the job.
 * Resolves to the exit code: 0 completed, 1 cancelled, 130 interrupted.
 */
export async function followJob(ctx: CliContext, job: JobHandle, json: boolean): Promise<number> {
  if ((await temporalStatus(job)) !== 'RUNNING') {
    const report = await endedReport(job);
    printReport(ctx, job, report, json);
    return exitCodeOf(report);
  }
  const progressOut = json ? ctx.stderr : ctx.stdout;
  const report = await watchJob(job, progressOut, ctx.interrupted);
  if (!report) {
    progressOut.write(`Stopped watching; job ${job.jobId} goes on. Follow it again with: longhaul watch ${job.jobId}\n`);
    return EXIT.interrupted;
  }
  if (!json) ctx.stdout.write('\n');
  printReport(ctx, job, report, json);
  return exitCodeOf(report);
}
