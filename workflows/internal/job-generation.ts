import { ActivityFailure, ApplicationFailure, CancellationScope, condition, isCancellation, log, patched, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { Generation } from '../../activities';
import type { JobReport } from '../../src/report/job-report';
import type { ResolvedJobSpec } from '../../src/spec/job-spec';
import { FailureType } from '../../src/contracts/failure-types';
import { carriedSettings, type JobSettings } from '../../src/contracts/job-settings';
import { SA, jobSearchAttributes } from '../../src/contracts/search-attributes';
import { jobSteps } from './activity-proxies';
import type { JobTracker } from './job-tracker';
import type { RoundPoint } from './job-rounds';
import { specMemo } from './spec-memo';
import { firstTier, shardRequestsFor } from './tier-plan';
import { summaries } from './ui-summaries';

/** Failures of a reprocess's first step that refuse the reprocess and leave the job as it was. */
const REFUSED_REPROCESS: readonly string[] = [FailureType.invalidSpec, FailureType.datasetNotFound, FailureType.config, FailureType.jobNotFound];

/** A generation as the job steers it: its settings, never its spec (histories before references recorded the spec). */
export type OpenGeneration = Omit<Generation, 'spec' | 'settings'> & { settings: JobSettings };

export function opened(gen: Generation): OpenGeneration {
  const { spec, ...rest } = gen;
  return { ...rest, settings: carriedSettings(gen), ...(gen.memo === undefined && spec ? { memo: specMemo(spec, gen.generation) } : {}) };
}

/**
 * Opens the generation: a new job's, or a reprocess's once its update came. Undefined when a reprocess is refused
 * before it began (the update says why, with the failure's type): its dataset changed, or (runs since
 * 'refuse-bad-reprocess') its changes or the job are bad input (InvalidSpec, DatasetNotFound, ConfigurationError,
 * JobNotFound) rather than failing the job.
 */
export async function beginGeneration(jobId: string, tracker: JobTracker, spec: ResolvedJobSpec | undefined): Promise<OpenGeneration | undefined> {
  const steps = jobSteps(spec?.timeouts);
  if (spec) return opened(await steps.beginGeneration.executeWithOptions({ summary: summaries.begin('new') }, [{ kind: 'new', spec }]));
  const { reprocess } = tracker;
  await condition(() => reprocess.request !== undefined);
  try {
    return opened(await steps.beginGeneration.executeWithOptions({ summary: summaries.begin('reprocess') }, [{ kind: 'reprocess', jobId, request: reprocess.request! }]));
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (!(cause instanceof ApplicationFailure) || !cause.type) throw err;
    const refusable = cause.type === FailureType.datasetChanged || (REFUSED_REPROCESS.includes(cause.type) && patched('refuse-bad-reprocess'));
    if (!refusable) throw err;
    reprocess.refused = { message: cause.message, type: cause.type };
    return undefined;
  }
}

/** A refused reprocess leaves the job as its last generation did: the run answers with that generation's report. */
export async function storedReport(jobId: string): Promise<JobReport> {
  const stored = await jobSteps().storedReport.executeWithOptions({ summary: summaries.storedReport() }, [{ jobId }]);
  // this run (started for the reprocess) lists the job as it was, not as 'queued'
  if (patched('refused-reprocess-status')) {
    upsertSearchAttributes([
      { key: SA.status, value: stored.status },
      { key: SA.itemsSucceeded, value: stored.counts.succeeded + stored.counts.cached },
      { key: SA.itemsFailed, value: stored.counts.failed },
    ]);
  }
  return stored;
}

/** Cuts the generation's shards from the dataset; the round to start from (none when cancelled meanwhile). */
export async function prepareGeneration(tracker: JobTracker, gen: OpenGeneration): Promise<RoundPoint> {
  const spec = gen.settings;
  tracker.begin(gen);
  // a reprocess may change model or prompt: the UI's memo follows the generation (added after runs were recorded)
  if (patched('memo-per-generation') && gen.memo) upsertMemo(gen.memo);
  upsertSearchAttributes(jobSearchAttributes(spec, 'preparing'));
  const started = Date.now();
  // shards are cut for the tier the job will most likely start on (auto decides once it knows the size)
  const sizing = firstTier(spec, Number.POSITIVE_INFINITY, Date.now(), gen.facts);
  const maxRequestsPerShard = shardRequestsFor(spec, sizing);
  const request = { jobId: spec.jobId, generation: gen.generation, selection: gen.selection, ...(maxRequestsPerShard ? { maxRequestsPerShard } : {}) };
  const prepareJob = jobSteps(spec.timeouts).prepareJob;
  const prepared = await unlessCancelled(tracker, () => prepareJob.executeWithOptions({ summary: summaries.prepare(gen.generation, sizing) }, [request]));
  tracker.timed('prepare', Date.now() - started);
  if (!prepared) {
    // cancelled while preparing: nothing was sent; finalize settles every item as cancelled
    tracker.reprocess.result = { generation: gen.generation, taskVersion: spec.taskVersion, queued: 0, cached: 0, untouched: 0 };
    return { round: 0, shards: [], shardsSoFar: 0 };
  }
  tracker.prepared(prepared);
  log.info('job started', { jobId: spec.jobId, generation: gen.generation, provider: spec.provider, model: spec.model, mode: spec.mode, total: prepared.total, queued: prepared.queued, cached: prepared.cached, shards: prepared.shards.length });
  tracker.reprocess.result = { generation: gen.generation, taskVersion: spec.taskVersion, queued: prepared.queued, cached: prepared.cached, untouched: prepared.untouched };
  upsertSearchAttributes([
    { key: SA.status, value: 'running' },
    { key: SA.itemsTotal, value: prepared.total },
  ]);
  return { round: 0, shards: prepared.shards, shardsSoFar: 0, tier: firstTier(spec, prepared.total, Date.now(), gen.facts) };
}

/**
 * Runs a step unless the job is cancelled meanwhile: then the step's activity is cancelled (it stops at its next
 * heartbeat) and this resolves undefined. Runs recorded before this rule waited for the step, and still do.
 */
async function unlessCancelled<T>(tracker: JobTracker, step: () => Promise<T>): Promise<T | undefined> {
  const scope = new CancellationScope();
  const running = scope.run(step);
  let settled = false;
  void CancellationScope.nonCancellable(async () => {
    await condition(() => settled || tracker.cancelRequested);
    if (!settled && patched('cancel-interrupts-prepare')) scope.cancel();
  });
  try {
    return await running;
  } catch (err) {
    if (isCancellation(err) && tracker.cancelRequested) return undefined;
    throw err;
  } finally {
    settled = true;
  }
}
