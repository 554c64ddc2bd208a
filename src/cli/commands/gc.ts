import { gcJobRows, gcPlanTotals, type GcJob, type GcPlan } from '../../client/job-gc';
import { formatCount } from '../../report/value-format';
import { CliError, type CliCommand } from '../cli-command';
import { booleanFlag, parseDuration, stringFlag } from '../cli-flags';
import { CONNECTION_HELP, CONNECTION_OPTIONS, withClient } from '../cli-connection';

/**
 * `longhaul gc --older-than 30d`: lists the jobs that ended more than that long ago with their blobs and rows;
 * `--yes` deletes them. Running jobs are never touched.
 */
export const gcCommand: CliCommand = {
  name: 'gc',
  summary: 'Remove the files and rows of jobs that ended long ago (lists them first; --yes deletes)',
  usage: '--older-than AGE [--yes] [--json]',
  help: [
    'Retention: finds the jobs that ended more than AGE ago and what they keep: files in the blob store',
    '(shards, provider outputs, results, reports, an uploaded dataset no other job reads) and rows in the',
    'result store (outcomes, cached answers, batch records). Without --yes nothing is deleted.',
    'A job whose workflow still runs (paused ones too) is skipped with a line saying so. A job\'s cached answers',
    'go with it: later jobs no longer reuse them. Temporal keeps workflow histories by its namespace retention.',
    '  --older-than AGE      30d, 12h, 90m (a number needs its unit)',
    '  --yes                 delete what is listed (default: a dry run that deletes nothing)',
    '  --json                print the plan (and with --yes what was deleted) as JSON',
    'Stores: LONGHAUL_BLOB_STORE and LONGHAUL_RESULT_STORE (default: the data dir), as the workers use them.',
    CONNECTION_HELP,
  ].join('\n'),
  options: { ...CONNECTION_OPTIONS, 'older-than': { type: 'string' }, yes: { type: 'boolean' }, json: { type: 'boolean' } },
  async run(ctx) {
    const olderThanMs = olderThanFlag(ctx.values['older-than']);
    const apply = booleanFlag(ctx.values.yes);
    const json = booleanFlag(ctx.values.json);
    return withClient(ctx, async (client) => {
      const plan = await client.planGc(olderThanMs);
      if (!json) ctx.stdout.write(planText(plan, ctx.values['older-than'] as string, apply));
      if (!apply) {
        if (json) ctx.stdout.write(JSON.stringify({ dryRun: true, ...planJson(plan) }, null, 2) + '\n');
        return 0;
      }
      const totals = await client.applyGc(plan, (job, removed) => {
        if (!json) ctx.stdout.write(removed ? `  deleted  ${job.jobId}\n` : `  skipped  ${job.jobId}: started again since it was listed\n`);
      });
      if (json) ctx.stdout.write(JSON.stringify({ dryRun: false, ...planJson(plan), deleted: totals }, null, 2) + '\n');
      else ctx.stdout.write(`Deleted ${count(totals.jobs, 'job')}: ${count(totals.blobs, 'blob')} (${formatBytes(totals.bytes)}), ${count(totals.rows, 'row')}.\n`);
      return 0;
    });
  },
};

/** `--older-than`: a duration with its unit (a bare number would read as seconds, surely not what was meant). */
function olderThanFlag(value: unknown): number {
  const text = stringFlag(value);
  if (text === undefined) throw new CliError('--older-than is required: how long ago a job must have ended (e.g. 30d)', 2);
  const seconds = /[smhd]\s*$/i.test(text) ? parseDuration(text) : undefined;
  if (seconds === undefined) throw new CliError(`--older-than: not an age (use 30d, 12h or 90m): ${text}`, 2);
  return seconds * 1000;
}

function planText(plan: GcPlan, age: string, apply: boolean): string {
  const lines = [`Jobs that ended more than ${age} ago (before ${plan.cutoff.toISOString()}):`];
  for (const job of plan.jobs) lines.push(`  ${job.jobId}  ${endedText(job)}  ${count(job.blobs, 'blob')} (${formatBytes(job.bytes)}), ${count(gcJobRows(job), 'row')}`);
  if (plan.jobs.length === 0) lines.push('  none');
  for (const skip of plan.skipped) lines.push(`  skipped  ${skip.jobId}: ${skip.reason}`);
  if (plan.datasets.length > 0) {
    lines.push(`  datasets only these jobs read: ${count(plan.datasets.length, 'blob')} (${formatBytes(plan.datasets.reduce((s, d) => s + d.bytes, 0))})`);
  }
  const totals = gcPlanTotals(plan);
  const summary = `${count(totals.jobs, 'job')}, ${count(totals.blobs, 'blob')} (${formatBytes(totals.bytes)}), ${count(totals.rows, 'row')}`;
  lines.push(apply ? `Deleting ${summary}:` : `Would delete ${summary}. Dry run: nothing was deleted; run again with --yes to delete.`);
  return lines.join('\n') + '\n';
}

function endedText(job: GcJob): string {
  return `ended ${job.endedAt.toISOString()} (${job.status})`;
}

function planJson(plan: GcPlan) {
  return {
    cutoff: plan.cutoff.toISOString(),
    jobs: plan.jobs.map((j) => ({ ...j, endedAt: j.endedAt.toISOString() })),
    skipped: plan.skipped,
    datasets: plan.datasets.map((d) => ({ key: d.key, bytes: d.bytes })),
    total: gcPlanTotals(plan),
  };
}

/** `1 blob`, `37 blobs`. */
function count(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}

/** Bytes for people: 512 B, 3.4 kB, 12 MB, 1.2 GB (powers of 1,000). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
