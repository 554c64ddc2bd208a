import type { CliCommand } from '../cli-command';
import { booleanFlag, stringFlag } from '../cli-flags';
import { CONNECTION_HELP, CONNECTION_OPTIONS, withClient } from '../cli-connection';
import { followJob, MAX_FAILED_RATIO_HELP, MAX_FAILED_RATIO_OPTION, maxFailedRatioFlag } from '../follow-job';
import { SPEC_HELP, SPEC_OPTIONS, specFromArgs } from '../job-spec-args';

/**
 * `longhaul run`: validates a job (spec file or flags) and starts it; prints its id and Temporal UI page, and
 * with --watch follows it to the end and prints the report. Exit: 0 started (or completed with --watch),
 * 1 ended cancelled, 2 invalid spec or file, 4 no Temporal server.
 */
export const runCommand: CliCommand = {
  name: 'run',
  summary: 'Start a job from a spec file (JSON/YAML) or flags; --watch follows it to the end',
  usage: 'SPEC | --input FILE --model M --prompt TEXT [...] [--watch [--max-failed-ratio R]] [--json]',
  help: [
    SPEC_HELP,
    'Output:',
    '  --watch               show the live progress bar until the job ends, then print the report',
    '  --json                print data as JSON: {jobId, workflowId, uiUrl}, or the report with --watch (progress on stderr)',
    '  --task-queue Q        task queue of the workers (default: LONGHAUL_TASK_QUEUE or longhaul)',
    MAX_FAILED_RATIO_HELP,
    CONNECTION_HELP,
  ].join('\n'),
  options: { ...SPEC_OPTIONS, ...CONNECTION_OPTIONS, watch: { type: 'boolean' }, ...MAX_FAILED_RATIO_OPTION, json: { type: 'boolean' }, 'task-queue': { type: 'string' } },
  allowPositionals: true,
  // --watch follows the job and stops watching on ctx.interrupted; without it, a signal ends the process
  handlesInterruption: (values) => booleanFlag(values.watch),
  async run(ctx) {
    const { spec, baseDir } = specFromArgs(ctx);
    const json = booleanFlag(ctx.values.json);
    const maxFailedRatio = maxFailedRatioFlag(ctx.values['max-failed-ratio']);
    const taskQueue = stringFlag(ctx.values['task-queue']);
    return withClient(
      ctx,
      async (client) => {
        const job = await client.start(spec, { baseDir });
        const info = json ? ctx.stderr : ctx.stdout;
        if (json && !booleanFlag(ctx.values.watch)) {
          ctx.stdout.write(JSON.stringify({ jobId: job.jobId, workflowId: job.workflowId, uiUrl: job.uiUrl ?? null }) + '\n');
          return 0;
        }
        info.write(`Started job ${job.jobId}\n  Temporal UI: ${job.uiUrl}\n`);
        if (!booleanFlag(ctx.values.watch)) {
          info.write(`  Follow it:   longhaul watch ${job.jobId}\n`);
          return 0;
        }
        return followJob(ctx, job, json, maxFailedRatio);
      },
      taskQueue ? { taskQueue } : {},
    );
  },
};
