import type { CliCommand } from '../cli-command';
import { onePositional } from '../cli-flags';
import { CONNECTION_HELP, CONNECTION_OPTIONS, withClient } from '../cli-connection';
import { requireRunning } from '../job-state';

/** `longhaul pause JOB`: the job launches no new shards until resumed; batches already submitted go on. */
export const pauseCommand: CliCommand = {
  name: 'pause',
  summary: 'Pause a running job: no new shards are launched (submitted batches go on)',
  usage: 'JOB',
  help: ['Resume it with `longhaul resume JOB`.', CONNECTION_HELP].join('\n'),
  options: { ...CONNECTION_OPTIONS },
  allowPositionals: true,
  async run(ctx) {
    const jobId = onePositional(ctx.positionals, 'JOB id');
    return withClient(ctx, async (client) => {
      const job = client.job(jobId);
      await requireRunning(job, 'pause');
      await job.pause();
      ctx.stdout.write(`Paused job ${jobId}: no new shards will be launched. Resume with: longhaul resume ${jobId}\n`);
      return 0;
    });
  },
};
