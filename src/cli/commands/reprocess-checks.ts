import type { LonghaulConfig } from '../../config/longhaul-config';
import { checkReprocessChanges } from '../../client/reprocess-changes-check';
import type { JobReport } from '../../report/job-report';
import type { JobSpecChanges } from '../../spec/resolve-spec';
import { CliError } from '../cli-command';

/**
 * What `reprocess` can tell before it sends anything, from the job's last report: that a failed-only reprocess
 * has nothing to do, and that the changes name a model with no price, a mode the provider cannot serve or a
 * past deadline. The worker checks the whole spec again; these catch the common slips before a run is
 * started for them (a run the worker refuses ends failed, and `status` shows the job failed until the next).
 * @throws CliError (exit 1) when there is nothing to reprocess; InvalidSpecError naming the change.
 */
export function checkReprocess(last: JobReport, request: { all: boolean; changes?: JobSpecChanges }, config: Pick<LonghaulConfig, 'prices'>): void {
  const { failed, cancelled } = last.counts;
  if (!request.all && failed + cancelled === 0) {
    throw new CliError(`job "${last.jobId}" has no failed or cancelled items (generation ${last.generation}): nothing to reprocess (--all runs every item again)`);
  }
  if (request.changes) checkReprocessChanges(last, request.changes, config);
}
