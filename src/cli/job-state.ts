import { WorkflowFailedError } from '@temporalio/client';
import type { JobHandle } from '../client/job-handle';
import type { JobReport } from '../report/job-report';
import { CliError } from './cli-command';

/** Temporal's status of a job's latest run: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT... */
export async function temporalStatus(job: JobHandle): Promise<string> {
  const description = await job.describe();
  return description.status.name;
}

/**
 * Checks that the job is still running before steering it (a signal to an ended job would read as "no job").
 * @throws JobNotFoundError; CliError (exit 1) when it has ended.
 */
export async function requireRunning(job: JobHandle, action: string): Promise<void> {
  const status = await temporalStatus(job);
  if (status !== 'RUNNING') throw new CliError(`job "${job.jobId}" has already ended (${status.toLowerCase()}): nothing to ${action}`);
}

/**
 * The report of an ended job. A running job is refused unless `wait` (then this waits for its end).
 * @throws JobNotFoundError; CliError when it is running, or ended without a report (failed, terminated).
 */
export async function endedReport(job: JobHandle, options: { wait?: boolean; hint?: string } = {}): Promise<JobReport> {
  const status = await temporalStatus(job);
  if (status === 'RUNNING' && !options.wait) {
    throw new CliError(`job "${job.jobId}" is still running${options.hint ? `: ${options.hint}` : ''} (watch it: longhaul watch ${job.jobId})`);
  }
  try {
    return await job.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      const cause = err.cause?.message ? `: ${err.cause.message}` : '';
      throw new CliError(`job "${job.jobId}" ended ${status.toLowerCase()} without a report${cause}`);
    }
    throw err;
  }
}
