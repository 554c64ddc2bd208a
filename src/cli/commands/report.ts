import { writeFileSync } from 'node:fs';
import { renderReportHtml } from '../../report/report-html';
import type { CliCommand } from '../cli-command';
import { booleanFlag, onePositional, stringFlag } from '../cli-flags';
import { CONNECTION_HELP, CONNECTION_OPTIONS, withClient } from '../cli-connection';
import { printReport } from '../follow-job';
import { endedReport } from '../job-state';

/** `longhaul report JOB`: an ended job's report as text, JSON, or a self-contained HTML page with charts. */
export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'Show an ended job\'s report: counts, failure reasons, tokens, cost, files (text, JSON or HTML)',
  usage: 'JOB [--json | --html FILE]',
  help: [
    '  --json                print the report as JSON (the same as its report.json)',
    '  --html FILE           write the report as one HTML page with charts (outcomes, time per shard, cost per tier)',
    CONNECTION_HELP,
  ].join('\n'),
  options: { ...CONNECTION_OPTIONS, json: { type: 'boolean' }, html: { type: 'string' } },
  allowPositionals: true,
  async run(ctx) {
    const jobId = onePositional(ctx.positionals, 'JOB id');
    const html = stringFlag(ctx.values.html);
    return withClient(ctx, async (client) => {
      const job = client.job(jobId);
      const report = await endedReport(job, { hint: 'its report is written when it ends' });
      if (html) {
        writeFileSync(html, renderReportHtml(report));
        (booleanFlag(ctx.values.json) ? ctx.stderr : ctx.stdout).write(`Wrote the report of job ${jobId} to ${html}\n`);
        if (!booleanFlag(ctx.values.json)) return 0;
      }
      printReport(ctx, job, report, booleanFlag(ctx.values.json));
      return 0;
    });
  },
};
