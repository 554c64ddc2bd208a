import type { CliCommand } from '../cli-command';
import { onePositional } from '../cli-flags';
import { CONNECTION_HELP, CONNECTION_OPTIONS, withClient } from '../cli-connection';
import { requireRunning } from '../job-state';

/** `longhaul resume JOB`: a paused job launches shards again. Resuming a job that is not paused changes nothing. */
export const resumeCommand: CliCommand = {
  name: 'resume',
  summary: 'Resume a paused job',
  usage: 'JOB',
  help: ['Resuming a job that is not paused changes nothing.', CONNECTION_HELP].join('\n'),
  options: { ...CONNECTION_OPTIONS },
  allowPositionals: true,
  async run(ctx) {
    const jobId = onePositional(ctx.positionals, 'JOB id');
    return withClient(ctx, async (client) => {
      const job = client.job(jobId);
      await requireRunning(job, 'resume');
      await job.resume();
      ctx.stdout.write(`Resumed job ${jobId}.\n`);
      return 0;
    });
  },
};
