import type { CliCommand } from '../cli-command';
import { booleanFlag, onePositional } from '../cli-flags';
import { CONNECTION_HELP, CONNECTION_OPTIONS, withClient } from '../cli-connection';
import { followJob, MAX_FAILED_RATIO_HELP, MAX_FAILED_RATIO_OPTION, maxFailedRatioFlag } from '../follow-job';

/** `longhaul watch JOB`: the live progress bar until the job ends, then its report. Ctrl-C stops watching only. */
export const watchCommand: CliCommand = {
  name: 'watch',
  summary: 'Show a job\'s live progress until it ends, then its report',
  usage: 'JOB [--json] [--max-failed-ratio R]',
  help: [
    'Progress: items by state, shards by phase, tokens, cost, ETA. Ctrl-C stops watching; the job goes on.',
    'Exit code: 0 when the job completed, 1 when it was cancelled or items failed (see --max-failed-ratio), 130 when you stopped watching.',
    '  --json                print the final report as JSON (progress goes to stderr)',
    MAX_FAILED_RATIO_HELP,
    CONNECTION_HELP,
  ].join('\n'),
  options: { ...CONNECTION_OPTIONS, ...MAX_FAILED_RATIO_OPTION, json: { type: 'boolean' } },
  allowPositionals: true,
  // stops watching on ctx.interrupted (exit 130); the job goes on
  handlesInterruption: true,
  async run(ctx) {
    const jobId = onePositional(ctx.positionals, 'JOB id');
    const maxFailedRatio = maxFailedRatioFlag(ctx.values['max-failed-ratio']);
    return withClient(ctx, (client) => followJob(ctx, client.job(jobId), booleanFlag(ctx.values.json), maxFailedRatio));
  },
};
