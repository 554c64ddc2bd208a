import { CliError, type CliCommand } from '../cli-command';
import { booleanFlag, onePositional, stringFlag } from '../cli-flags';
import { CONNECTION_HELP, CONNECTION_OPTIONS, withClient } from '../cli-connection';
import { followJob, MAX_FAILED_RATIO_HELP, MAX_FAILED_RATIO_OPTION, maxFailedRatioFlag } from '../follow-job';
import { temporalStatus } from '../job-state';
import { loadSpecChanges } from '../spec-changes-file';
import { checkReprocess } from './reprocess-checks';

/**
 * `longhaul reprocess JOB`: runs an ended job again as a new generation, for its failed items (default) or
 * all of them, optionally with spec changes. Unchanged requests are answered from cache.
 */
export const reprocessCommand: CliCommand = {
  name: 'reprocess',
  summary: 'Run an ended job again (failed items, or all) as a new generation, optionally with spec changes',
  usage: 'JOB [--failed | --all] [--spec FILE] [--watch [--max-failed-ratio R]] [--json]',
  help: [
    '  --failed              only items that ended failed or cancelled (the default)',
    '  --all                 every item; requests that did not change are answered from cache',
    '  --spec FILE           changes for this generation, JSON or YAML: any spec field but jobId and dataset,',
    '                        e.g. `model: gpt-4o` or `prompt: {messages: [...]}` or `outputSchema: {file: s.json}`',
    '  --watch               follow the new generation to its end and print the report',
    '  --json                print data as JSON: {generation, taskVersion, queued, cached, untouched}, or the report with --watch',
    '  --task-queue Q        task queue of the workers (default: LONGHAUL_TASK_QUEUE or longhaul)',
    MAX_FAILED_RATIO_HELP,
    CONNECTION_HELP,
  ].join('\n'),
  options: {
    ...MAX_FAILED_RATIO_OPTION,
    ...CONNECTION_OPTIONS,
    failed: { type: 'boolean' },
    all: { type: 'boolean' },
    spec: { type: 'string' },
    watch: { type: 'boolean' },
    json: { type: 'boolean' },
    'task-queue': { type: 'string' },
  },
  allowPositionals: true,
  // --watch follows the job and stops watching on ctx.interrupted; without it, a signal ends the process
  handlesInterruption: (values) => booleanFlag(values.watch),
  async run(ctx) {
    const jobId = onePositional(ctx.positionals, 'JOB id');
    const all = booleanFlag(ctx.values.all);
    if (all && booleanFlag(ctx.values.failed)) throw new CliError('--failed and --all exclude each other', 2);
    const specFile = stringFlag(ctx.values.spec);
    const changes = specFile ? loadSpecChanges(specFile) : undefined;
    const json = booleanFlag(ctx.values.json);
    const taskQueue = stringFlag(ctx.values['task-queue']);
    return withClient(
      ctx,
      async (client) => {
        const job = client.job(jobId);
        const status = await temporalStatus(job);
        if (status === 'RUNNING') throw new CliError(`job "${jobId}" is still running: reprocess it once it has ended (or cancel it first)`);
        const last = await job.storedReport();
        if (last) checkReprocess(last, { all, ...(changes ? { changes } : {}) }, client.config);
        const result = await job.reprocess({ all, ...(changes ? { changes } : {}) });
        if (json && !booleanFlag(ctx.values.watch)) {
          ctx.stdout.write(JSON.stringify(result) + '\n');
          return 0;
        }
        const info = json ? ctx.stderr : ctx.stdout;
        // rows the changed spec cannot render (a field the new prompt names is missing) fail while preparing
        const failedEarly = last ? last.total - result.queued - result.cached - result.untouched : 0;
        info.write(
          `Job ${jobId} generation ${result.generation} (task version ${result.taskVersion}): ${result.queued} items queued, ` +
            `${result.cached} answered from cache, ${result.untouched} left as they were` +
            (failedEarly > 0 ? `, ${failedEarly} failed before sending (why: longhaul watch ${jobId})` : '') +
            `\n  Temporal UI: ${job.uiUrl}\n`,
        );
        return booleanFlag(ctx.values.watch) ? followJob(ctx, job, json, maxFailedRatioFlag(ctx.values['max-failed-ratio'])) : 0;
      },
      taskQueue ? { taskQueue } : {},
    );
  },
};
