import type { DetailedProgress, JobHandle } from '../../client/job-handle';
import type { JobSummary, LonghaulClient } from '../../client/longhaul-client';
import { CliError, type CliCommand, type CliContext } from '../cli-command';
import { booleanFlag, numberFlag, stringFlag } from '../cli-flags';
import { CONNECTION_HELP, CONNECTION_OPTIONS, withClient } from '../cli-connection';
import { printReport } from '../follow-job';
import { endedReport, temporalStatus } from '../job-state';
import { jobsTable, progressDetail } from '../status-text';

/** How long a running job's progress query may take before status says no worker answered. */
const QUERY_TIMEOUT_MS = 10_000;

/** `longhaul status [JOB]`: the job list, or one job in detail (live progress, or its report once ended). */
export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'List jobs, or show one job in detail (live shard counts, or the report once ended)',
  usage: '[JOB] [--limit N] [--query Q] [--json]',
  help: [
    'Without JOB: id, status, provider/model, items, started, ended, newest first (from Temporal visibility).',
    'With JOB: progress with each running shard\'s batch counts, or the final report once the job has ended.',
    '  --limit N             jobs to list (default 20)',
    '  --query Q             a Temporal list filter, e.g. "LonghaulModel = \'gpt-4o-mini\'" or "ExecutionStatus = \'Running\'"',
    '  --json                print data as JSON',
    CONNECTION_HELP,
  ].join('\n'),
  options: { ...CONNECTION_OPTIONS, limit: { type: 'string' }, query: { type: 'string' }, json: { type: 'boolean' } },
  allowPositionals: true,
  async run(ctx) {
    if (ctx.positionals.length > 1) throw new CliError(`expected at most one JOB id, got ${ctx.positionals.length}`, 2);
    const limit = numberFlag(ctx.values.limit, 'limit', (n) => Number.isInteger(n) && n > 0) ?? 20;
    const jobId = ctx.positionals[0];
    return withClient(ctx, (client) => (jobId ? showJob(ctx, client.job(jobId)) : listJobs(ctx, client, limit)));
  },
};

async function listJobs(ctx: CliContext, client: LonghaulClient, limit: number): Promise<number> {
  const query = stringFlag(ctx.values.query);
  const jobs: JobSummary[] = [];
  for await (const job of client.list({ limit, ...(query ? { query } : {}) })) jobs.push(job);
  ctx.stdout.write((booleanFlag(ctx.values.json) ? JSON.stringify(jobs, null, 2) : jobsTable(jobs)) + '\n');
  return 0;
}

async function showJob(ctx: CliContext, job: JobHandle): Promise<number> {
  const json = booleanFlag(ctx.values.json);
  const status = await temporalStatus(job);
  if (status !== 'RUNNING') {
    printReport(ctx, job, await endedReport(job), json);
    return 0;
  }
  const progress = await progressWithin(job, QUERY_TIMEOUT_MS);
  if (json) ctx.stdout.write(JSON.stringify({ jobId: job.jobId, temporalStatus: status, uiUrl: job.uiUrl ?? null, progress }, null, 2) + '\n');
  else ctx.stdout.write(progressDetail(progress, job.uiUrl) + '\n');
  return 0;
}

/** Progress queries need a worker; without one they would hang, so give up with a clear line. */
async function progressWithin(job: JobHandle, ms: number): Promise<DetailedProgress> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CliError(`job "${job.jobId}" is running, but no worker answered its progress query within ${ms / 1000}s: are workers running on its task queue?`)), ms);
  });
  try {
    return await Promise.race([job.detailedProgress(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
