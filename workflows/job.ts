import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  upsertMemo,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { Generation } from '../activities';
import type { ShardRef } from '../src/contracts/shard-ref';
import type { JobReport, PhaseTimings } from '../src/report/job-report';
import type { ShardTally } from '../src/contracts/shard-tally';
import type { SendTier } from '../src/contracts/tiers';
import type { ResolvedJobSpec } from '../src/spec/job-spec';
import { settingsOf, type JobSettings } from '../src/contracts/job-settings';
import { FailureType } from '../src/contracts/failure-types';
import {
  cancelJobSignal,
  cancelShardSignal,
  pauseJobSignal,
  progressQuery,
  reprocessUpdate,
  resumeJobSignal,
  shardOverdueSignal,
  type ReprocessRequest,
  type ReprocessResult,
} from './definitions';
import { jobSteps } from './internal/activity-proxies';
import { JobTracker } from './internal/job-tracker';
import { jobDetailsText } from './internal/job-details';
import { batchFitsDeadline, fallbackAtMs, fallbackTier, firstTier, shardRequestsFor } from './internal/tier-plan';
import { shardAttemptId, shardWorkflowId } from './internal/workflow-ids';
import { SA, jobSearchAttributes } from '../src/contracts/search-attributes';
import { shardChildDetails, shardChildSummary, summaries } from './internal/ui-summaries';
import { specMemo } from './internal/spec-memo';
import { shardWorkflow } from './shard';

/** Failures of a reprocess's first step that refuse the reprocess and leave the job as it was. */
const REFUSED_REPROCESS: readonly string[] = [FailureType.invalidSpec, FailureType.datasetNotFound, FailureType.config, FailureType.jobNotFound];

/** Where a generation stands between rounds; carried across continue-as-new. */
interface RoundPoint {
  round: number;
  shards: ShardRef[];
  shardsSoFar: number;
  /** Where this round's requests go (batch when absent, as in runs from before tiers). */
  tier?: SendTier;
  /** Rounds added by a deadline fallback (they do not count against retry.maxRounds). */
  fallbackRounds?: number;
  /** A round continued as new inside: the shards before this index have run (their tallies are in the tracker). */
  next?: number;
  /** What the round's shards that ran before it continued as new left retryable, and whether one fell back. */
  partial?: { retryable: number; fellBack: boolean };
}

export interface JobInput {
  /** A new job: its spec enters here once (capped, src/spec/spec-size.ts); shards and steps get references. */
  spec?: ResolvedJobSpec;
  /** Reprocess this finished job: the run waits for the reprocess update that started it. */
  reprocessOf?: string;
  /** Carried across continue-as-new. */
  carry?: { generation: Generation; at: RoundPoint; tracker: ReturnType<JobTracker['snapshot']>; timings: PhaseTimings };
}

/** A generation as the job steers it: its settings, never its spec (histories before references recorded the spec). */
type OpenGeneration = Omit<Generation, 'spec' | 'settings'> & { settings: JobSettings };

function opened(gen: Generation): OpenGeneration {
  const { spec, ...rest } = gen;
  return { ...rest, settings: gen.settings ?? settingsOf(spec!), ...(gen.memo === undefined && spec ? { memo: specMemo(spec, gen.generation) } : {}) };
}

/**
 * A batch job: prepare shards from the dataset, run them as child workflows within a bounded window and an
 * enqueued-token budget, retry what failed retryably in rounds of smaller shards, then finalize so that
 * every item has exactly one outcome. Carries references and counts only, never rows.
 * Controls: cancel / pause / resume signals, a progress query, a reprocess update (finished jobs).
 */
export async function batchJobWorkflow(input: JobInput): Promise<JobReport> {
  const carried = input.carry ? opened(input.carry.generation) : undefined;
  const jobId = input.spec?.jobId ?? input.reprocessOf ?? carried?.settings.jobId ?? '';
  // the UI's job page shows these details (not recorded in history: no command, replays as before)
  const tracker = new JobTracker(jobId, input.carry?.tracker, (t) => setCurrentDetails(jobDetailsText(t.progress())));
  setCurrentDetails(jobDetailsText(tracker.progress()));
  const timings: PhaseTimings = { ...input.carry?.timings };
  const children = new Map<string, ChildWorkflowHandle<typeof shardWorkflow>>();
  const reprocess: { request?: ReprocessRequest; result?: ReprocessResult; refused?: { message: string; type: string }; accepting: boolean } = { accepting: !!input.reprocessOf };

  setHandler(progressQuery, () => tracker.progress());
  setHandler(pauseJobSignal, () => {
    log.info('job paused', { jobId });
    tracker.setPaused(true);
  });
  setHandler(resumeJobSignal, () => {
    log.info('job resumed', { jobId });
    tracker.setPaused(false);
  });
  setHandler(cancelJobSignal, (request) => {
    log.info('job cancel requested', { jobId, reason: request?.reason });
    tracker.requestCancel(request?.reason);
  });
  setHandler(shardOverdueSignal, ({ workflowId }) => tracker.shardOverdue(workflowId));
  // a Temporal-level cancel (UI, `temporal workflow cancel`) starts as the cancel signal does: shards cancel their
  // batches and collect; the run then finalizes and ends cancelled
  CancellationScope.current().cancelRequested.catch(() => tracker.requestCancel('workflow cancelled'));
  setHandler(
    reprocessUpdate,
    async (request) => {
      reprocess.request = request;
      log.info('job reprocess requested', { jobId, selection: request.selection });
      reprocess.accepting = false;
      await condition(() => reprocess.result !== undefined || reprocess.refused !== undefined);
      if (reprocess.refused !== undefined) throw ApplicationFailure.nonRetryable(reprocess.refused.message, reprocess.refused.type);
      return reprocess.result!;
    },
    {
      validator: (request) => {
        if (!reprocess.accepting) throw new Error(`job ${jobId} is ${tracker.status}; reprocess it once it has ended (or cancel it first)`);
        if (request.selection !== 'failed' && request.selection !== 'all') throw new Error('selection must be "failed" or "all"');
      },
    },
  );
  // the job's cancel reaches its running shards, which cancel their batches and collect what finished (not
  // cancellable itself: under a Temporal-level cancel it must still run, and never reject unhandled)
  void CancellationScope.nonCancellable(async () => {
    await condition(() => tracker.cancelRequested);
    await Promise.all([...children.values()].map((c) => c.signal(cancelShardSignal).catch(() => undefined)));
  });

  let generation: OpenGeneration | undefined;
  let at: RoundPoint;
  /** Where the next run starts when this one continues as new. */
  let resumeAt: RoundPoint | undefined;
  let steps = jobSteps(input.spec?.timeouts ?? carried?.settings.timeouts);
  try {
    if (input.carry && carried) {
      generation = carried;
      at = input.carry.at;
    } else {
      generation = await begin(input);
      // a reprocess refused before it began (its dataset changed, its changes are invalid): the job stays as its
      // last generation left it
      if (!generation) {
        const stored = await steps.storedReport.executeWithOptions({ summary: summaries.storedReport() }, [{ jobId }]);
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
      steps = jobSteps(generation.settings.timeouts);
      at = await prepare(generation);
    }
    const done = await runRounds(generation, at);
    if (!done) {
      await condition(() => children.size === 0);
      return await continueAsNew<typeof batchJobWorkflow>({ carry: { generation, at: resumeAt!, tracker: tracker.snapshot(), timings } });
    }
    return await finalize(generation.settings, generation.generation, done.shardsSoFar, done.round);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // cancelled through Temporal (UI, CLI): clean up like a cancel signal, then end as cancelled
    tracker.requestCancel('workflow cancelled');
    await CancellationScope.nonCancellable(async () => {
      await condition(() => children.size === 0);
      if (generation) await finalize(generation.settings, generation.generation, tracker.shardsTotal, tracker.round);
    });
    throw err;
  }

  /**
   * Opens the generation; undefined when a reprocess is refused before it began (the update says why, with the
   * failure's type): its dataset changed, or (runs since 'refuse-bad-reprocess') its changes or the job are bad
   * input (InvalidSpec, DatasetNotFound, ConfigurationError, JobNotFound) rather than failing the job.
   */
  async function begin(start: JobInput): Promise<OpenGeneration | undefined> {
    if (start.spec) return opened(await steps.beginGeneration.executeWithOptions({ summary: summaries.begin('new') }, [{ kind: 'new', spec: start.spec }]));
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

  /**
   * Runs a step unless the job is cancelled meanwhile: then the step's activity is cancelled (it stops at its next
   * heartbeat) and this resolves undefined. Runs recorded before this rule waited for the step, and still do.
   */
  async function unlessCancelled<T>(step: () => Promise<T>): Promise<T | undefined> {
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

  async function prepare(gen: OpenGeneration): Promise<RoundPoint> {
    const spec = gen.settings;
    tracker.begin(gen);
    // a reprocess may change model or prompt: the UI's memo follows the generation (added after runs were recorded)
    if (patched('memo-per-generation') && gen.memo) upsertMemo(gen.memo);
    upsertSearchAttributes(jobSearchAttributes(spec, 'preparing'));
    const started = Date.now();
    // shards are cut for the tier the job will most likely start on (auto decides once it knows the size)
    const sizing = firstTier(spec, Number.POSITIVE_INFINITY, Date.now(), gen.facts);
    const maxRequestsPerShard = shardRequestsFor(spec, sizing);
    const request = { jobId, generation: gen.generation, selection: gen.selection, ...(maxRequestsPerShard ? { maxRequestsPerShard } : {}) };
    const prepared = await unlessCancelled(() => steps.prepareJob.executeWithOptions({ summary: summaries.prepare(gen.generation, sizing) }, [request]));
    timings.prepare = (timings.prepare ?? 0) + (Date.now() - started);
    if (!prepared) {
      // cancelled while preparing: nothing was sent; finalize settles every item as cancelled
      reprocess.result = { generation: gen.generation, taskVersion: spec.taskVersion, queued: 0, cached: 0, untouched: 0 };
      return { round: 0, shards: [], shardsSoFar: 0 };
    }
    tracker.prepared(prepared);
    log.info('job started', { jobId, generation: gen.generation, provider: spec.provider, model: spec.model, mode: spec.mode, total: prepared.total, queued: prepared.queued, cached: prepared.cached, shards: prepared.shards.length });
    reprocess.result = {
      generation: gen.generation,
      taskVersion: spec.taskVersion,
      queued: prepared.queued,
      cached: prepared.cached,
      untouched: prepared.untouched,
    };
    upsertSearchAttributes([
      { key: SA.status, value: 'running' },
      { key: SA.itemsTotal, value: prepared.total },
    ]);
    const tier = firstTier(spec, prepared.total, Date.now(), gen.facts);
    return { round: 0, shards: prepared.shards, shardsSoFar: 0, tier };
  }

  /** Runs rounds until none is left; undefined when the run should continue as new first. */
  async function runRounds(gen: OpenGeneration, start: RoundPoint): Promise<RoundPoint | undefined> {
    const spec = gen.settings;
    let point = start;
    for (;;) {
      const started = Date.now();
      const tier = point.tier ?? 'batch';
      const { retryable, fellBack, stoppedAt } = await runRound(gen, point);
      const phase = point.round === 0 ? 'batches' : tier === 'batch' ? 'rounds' : 'fallback';
      timings[phase] = (timings[phase] ?? 0) + (Date.now() - started);
      if (stoppedAt !== undefined) {
        // the history is full inside the round: its running shards have ended; the next run launches the rest
        log.info('job continues as new inside a round', { jobId, round: point.round, launched: stoppedAt, shards: point.shards.length });
        resumeAt = { ...point, next: stoppedAt, partial: { retryable, fellBack } };
        return undefined;
      }
      const shardsSoFar = point.shardsSoFar + point.shards.length;
      // a deadline too close for another batch moves what is left to a faster tier, beyond retry.maxRounds
      const late = tier === 'batch' && (fellBack || !batchFitsDeadline(spec, Date.now(), gen.facts));
      const nextTier: SendTier = late ? fallbackTier(spec, gen.facts) : tier;
      const fallbackRounds = point.fallbackRounds ?? 0;
      const moreRounds = point.round < spec.retry.maxRounds || (late && fallbackRounds < 2);
      if (tracker.cancelRequested || retryable === 0 || !moreRounds) return { ...point, shardsSoFar };
      const maxRequestsPerShard = shardRequestsFor(spec, nextTier);
      const planning = { jobId, generation: gen.generation, round: point.round + 1, previous: point.shards, ...(maxRequestsPerShard ? { maxRequestsPerShard } : {}) };
      const plan = await steps.planRound.executeWithOptions({ summary: summaries.planRound(point.round + 1) }, [planning]);
      tracker.roundPlanned(plan.round, plan.queued, plan.shards.length);
      log.info('round planned', { jobId, generation: gen.generation, round: plan.round, queued: plan.queued, shards: plan.shards.length, tier: nextTier });
      if (nextTier !== tier) log.info('deadline fallback', { jobId, round: plan.round, from: tier, to: nextTier });
      point = { round: plan.round, shards: plan.shards, shardsSoFar, tier: nextTier, fallbackRounds: fallbackRounds + (late && point.round >= spec.retry.maxRounds ? 1 : 0) };
      if (plan.queued === 0) return point;
      if (workflowInfo().continueAsNewSuggested) {
        resumeAt = point;
        return undefined;
      }
    }
  }

  /**
   * Runs one round's shards within the window and the token budget; returns what it left retryable. When
   * Temporal suggests continue-as-new (a round of more shards than one history holds), it launches no more
   * shards, waits for those running, and says where it stopped (runs recorded before this rule go on launching).
   */
  async function runRound(gen: OpenGeneration, point: RoundPoint): Promise<{ retryable: number; fellBack: boolean; stoppedAt?: number }> {
    const spec = gen.settings;
    const tier = point.tier ?? 'batch';
    const budget = spec.limits.enqueuedTokenBudget ?? Number.POSITIVE_INFINITY;
    const window = spec.limits.shardsInFlight;
    const roundRequests = point.shards.reduce((n, s) => n + s.requests, 0);
    const fallbackAt = tier === 'batch' ? fallbackAtMs(spec, roundRequests) : undefined;
    const running: Promise<void>[] = [];
    let inFlight = 0;
    let enqueuedTokens = 0;
    let retryable = point.partial?.retryable ?? 0;
    let fellBack = point.partial?.fellBack ?? false;
    let stoppedAt: number | undefined;
    const mayContinueInRound = patched('continue-as-new-in-round');
    const historyFull = () => mayContinueInRound && workflowInfo().continueAsNewSuggested;
    // a round resumed in a new run was counted when it started
    if (point.next === undefined) tracker.roundStarted(point.round, point.shards.length, tier);
    const first = point.next ?? 0;
    for (let i = first; i < point.shards.length; i++) {
      const shard = point.shards[i]!;
      // the token budget is the provider's batch queue: synchronous tiers are limited by rate instead
      const admitted = () => inFlight < window && (tier !== 'batch' || inFlight === 0 || enqueuedTokens + shard.estTokens <= budget);
      // every run launches at least one shard, so a round always moves on
      const full = () => i > first && historyFull();
      await condition(() => tracker.cancelRequested || full() || (!tracker.paused && admitted()));
      if (tracker.cancelRequested) break;
      if (full()) {
        stoppedAt = i;
        break;
      }
      inFlight++;
      enqueuedTokens += shard.estTokens;
      tracker.shardStarted(shard.estTokens);
      running.push(
        runShard(spec, gen.generation, point.round, shard, { tier, share: 1 / window, ...(fallbackAt !== undefined ? { fallbackAt } : {}) }).then((tally) => {
          inFlight--;
          enqueuedTokens -= shard.estTokens;
          retryable += tally.retryable;
          fellBack ||= tally.fellBack === true;
          tracker.shardDone(tally, shard.estTokens);
        }),
      );
    }
    await Promise.all(running);
    return { retryable, fellBack, ...(stoppedAt !== undefined && !tracker.cancelRequested ? { stoppedAt } : {}) };
  }

  function runShard(spec: JobSettings, gen: number, round: number, shard: ShardRef, how: { tier: SendTier; share: number; fallbackAt?: number }): Promise<ShardTally> {
    const attemptId = shardAttemptId(spec.jobId, gen, round, shard.index);
    const workflowId = shardWorkflowId(attemptId);
    const address = { jobId: spec.jobId, generation: gen, round, index: shard.index };
    // shards live through the job's own cancellation: they are told by signal and end with partial results
    const launched = Date.now();
    return CancellationScope.nonCancellable(async () => {
      // tier fields only when they say something: runs recorded before tiers replay unchanged
      const tiers = how.tier === 'batch' && how.fallbackAt === undefined ? {} : how;
      const child = await startChild(shardWorkflow, {
        workflowId,
        args: [{ settings: spec, shard: { ...address, ...shard }, shardAttemptId: attemptId, ...tiers }],
        // found by job, round and shard from the start; the shard adds its phase and batch id as they come
        typedSearchAttributes: [
          { key: SA.jobId, value: spec.jobId },
          { key: SA.round, value: round },
          { key: SA.shard, value: shard.index },
        ],
        staticSummary: shardChildSummary({ ...address, requests: shard.requests }, how.tier),
        staticDetails: shardChildDetails(spec.jobId, { ...address, requests: shard.requests, estTokens: shard.estTokens }, how.tier),
      });
      children.set(workflowId, child);
      tracker.shardRunning(workflowId);
      try {
        if (tracker.cancelRequested) await child.signal(cancelShardSignal);
        return await child.result();
      } catch (err) {
        log.error('shard workflow failed; its items are failed retryably', { workflowId, error: String(err) });
        const collect = { shard: address, note: `the shard workflow failed: ${String(err)}`, jobCancelled: tracker.cancelRequested };
        return steps.collectShard.executeWithOptions({ summary: summaries.collectFailedShard(address) }, [collect]);
      } finally {
        children.delete(workflowId);
        tracker.shardStopped(workflowId);
        tracker.shardTimed({ round, index: shard.index, requests: shard.requests, seconds: (Date.now() - launched) / 1000, tier: how.tier });
      }
    });
  }

  async function finalize(spec: JobSettings, gen: number, shards: number, rounds: number): Promise<JobReport> {
    tracker.finalizing();
    const started = Date.now();
    const report = await steps.finalizeJob.executeWithOptions({ summary: summaries.finalize(gen) }, [{
      jobId: spec.jobId,
      generation: gen,
      cancelled: tracker.cancelRequested,
      // input only, no new command: histories recorded before replay as they were
      ...(tracker.cancelReason !== undefined ? { cancelReason: tracker.cancelReason } : {}),
      rounds: rounds + 1,
      shards,
      timings,
      shardTimings: tracker.shardTimings,
      startedAt: tracker.startedAt,
      resultLines: tracker.resultLines,
    }]);
    report.timings.finalize = Date.now() - started;
    tracker.finished(report);
    log.info('job ended', { jobId, generation: gen, status: report.status, ...report.counts });
    upsertSearchAttributes([
      { key: SA.status, value: report.status },
      { key: SA.itemsSucceeded, value: report.counts.succeeded + report.counts.cached },
      { key: SA.itemsFailed, value: report.counts.failed },
    ]);
    return report;
  }
}
