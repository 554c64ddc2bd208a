import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { JobHandle } from '../../client/job-handle';
import type { JobReport } from '../../report/job-report';
import { RESULT_CSV_COLUMNS } from '../../client/result-csv';
import { CliError, type CliCommand } from '../cli-command';
import { booleanFlag, choiceFlag, onePositional, stringFlag } from '../cli-flags';
import { CONNECTION_HELP, CONNECTION_OPTIONS, withClient } from '../cli-connection';
import { exitCodeWithReason, MAX_FAILED_RATIO_HELP, MAX_FAILED_RATIO_OPTION, maxFailedRatioFlag } from '../follow-job';
import { endedReport } from '../job-state';

type Format = 'jsonl' | 'csv';

/** `longhaul results JOB`: one line per input item, in input order, to stdout or a file (JSONL or CSV). */
export const resultsCommand: CliCommand = {
  name: 'results',
  summary: 'Write an ended job\'s results (one per input item, in input order) as JSONL or CSV',
  usage: 'JOB [--out FILE] [--format jsonl|csv] [--wait [--max-failed-ratio R]]',
  help: [
    'Each line: id, input line, state (succeeded, failed, cancelled, cached), output or error, tier, round,',
    `tokens and cost. CSV columns: ${RESULT_CSV_COLUMNS.join(', ')} (output as JSON text).`,
    '  --out FILE            write to FILE instead of stdout',
    '  --format F            jsonl (default; csv when FILE ends in .csv) or csv',
    '  --wait                wait for a running job to end instead of refusing; then the exit code says how it ended:',
    MAX_FAILED_RATIO_HELP,
    CONNECTION_HELP,
  ].join('\n'),
  options: { ...CONNECTION_OPTIONS, out: { type: 'string' }, format: { type: 'string' }, wait: { type: 'boolean' }, ...MAX_FAILED_RATIO_OPTION },
  allowPositionals: true,
  async run(ctx) {
    const jobId = onePositional(ctx.positionals, 'JOB id');
    const out = stringFlag(ctx.values.out);
    const format: Format = choiceFlag(ctx.values.format, 'format', ['jsonl', 'csv'] as const) ?? (out?.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl');
    const wait = booleanFlag(ctx.values.wait);
    const maxFailedRatio = maxFailedRatioFlag(ctx.values['max-failed-ratio']);
    return withClient(ctx, async (client) => {
      const job = client.job(jobId);
      const report = await endedReport(job, { wait, hint: 'results are written when it ends (or add --wait)' });
      const target = out ? createWriteStream(out) : ctx.stdout;
      if (out) await once(target, 'open');
      const written = await writeResults(job, report, format, target);
      if (out) {
        target.end();
        await once(target, 'finish');
        ctx.stderr.write(`Wrote ${written} results of job ${jobId} to ${out} (${format})\n`);
      }
      return wait ? exitCodeWithReason(ctx, report, maxFailedRatio) : 0;
    });
  },
};

/** Streams the job's results into `target` in `format`; returns how many lines (header excluded). */
async function writeResults(job: JobHandle, report: JobReport, format: Format, target: NodeJS.WritableStream): Promise<number> {
  const file = report.files.results;
  if (file.toLowerCase().endsWith('.csv')) {
    // the job wrote CSV itself: pass it through
    if (format !== 'csv') throw new CliError(`job "${job.jobId}" wrote its results as CSV (${file}): use --format csv`, 2);
    await pipeline(job.resultsFile(report), target, { end: false });
    return Math.max(0, report.total);
  }
  const write = async (text: string) => {
    if (!target.write(text)) await once(target, 'drain');
  };
  let count = 0;
  if (format === 'csv') {
    for await (const row of job.resultsCsv()) {
      await write(row + '\n');
      count++;
    }
    return count - 1; // the header
  }
  for await (const line of job.results()) {
    await write(JSON.stringify(line) + '\n');
    count++;
  }
  return count;
}
