import type { CliCommand } from '../cli-command';
import { onePositional, stringFlag } from '../cli-flags';
import { CONNECTION_HELP, CONNECTION_OPTIONS, withClient } from '../cli-connection';
import { requireRunning } from '../job-state';

/** `longhaul cancel JOB`: asks a running job to stop; finished results are kept and the job is finalized. */
export const cancelCommand: CliCommand = {
  name: 'cancel',
  summary: 'Cancel a running job (provider batches cancelled, finished results kept, job finalized)',
  usage: 'JOB [--reason TEXT]',
  help: [
    'The job cancels its provider batches, collects what they finished, and ends "cancelled" with a report.',
    '  --reason TEXT         why (the job\'s report shows it)',
    CONNECTION_HELP,
  ].join('\n'),
  options: { ...CONNECTION_OPTIONS, reason: { type: 'string' } },
  allowPositionals: true,
  async run(ctx) {
    const jobId = onePositional(ctx.positionals, 'JOB id');
    const reason = stringFlag(ctx.values.reason);
    return withClient(ctx, async (client) => {
      const job = client.job(jobId);
      await requireRunning(job, 'cancel');
      await job.cancel(reason);
      ctx.stdout.write(`Cancel requested for job ${jobId}: its batches are being cancelled; finished results are kept.\n  Follow it: longhaul watch ${jobId}\n`);
      return 0;
    });
  },
};
