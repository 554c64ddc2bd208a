import { CancellationScope, condition, log, patched, startChild, workflowInfo } from '@temporalio/workflow';
import type { ShardRef } from '../../src/contracts/shard-ref';
import type { ShardTally } from '../../src/contracts/shard-tally';
import type { JobSettings } from '../../src/contracts/job-settings';
import type { SendTier } from '../../src/contracts/tiers';
import { SA } from '../../src/contracts/search-attributes';
import { cancelShardSignal } from '../definitions';
import { shardWorkflow } from '../shard';
import { jobSteps } from './activity-proxies';
import type { OpenGeneration } from './job-generation';
import type { JobTracker } from './job-tracker';
import { batchFitsDeadline, fallbackAtMs, fallbackTier, shardRequestsFor } from './tier-plan';
import { shardChildDetails, shardChildSummary, summaries } from './ui-summaries';
import { shardAttemptId, shardWorkflowId } from './workflow-ids';

/** Where a generation stands between rounds; carried across continue-as-new. */
export interface RoundPoint {
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

/** How the rounds ended: all done (finalize next), or the history is full (continue as new from `resumeAt`). */
export type RoundsEnd = { done: RoundPoint } | { resumeAt: RoundPoint };

/** Runs rounds until none is left, or until the run should continue as new first. */
export async function runRounds(tracker: JobTracker, gen: OpenGeneration, start: RoundPoint): Promise<RoundsEnd> {
  const spec = gen.settings;
  let point = start;
  for (;;) {
    const started = Date.now();
    const tier = point.tier ?? 'batch';
    const { retryable, fellBack, stoppedAt } = await runRound(tracker, gen, point);
    tracker.timed(point.round === 0 ? 'batches' : tier === 'batch' ? 'rounds' : 'fallback', Date.now() - started);
    if (stoppedAt !== undefined) {
      // the history is full inside the round: its running shards have ended; the next run launches the rest
      log.info('job continues as new inside a round', { jobId: spec.jobId, round: point.round, launched: stoppedAt, shards: point.shards.length });
      return { resumeAt: { ...point, next: stoppedAt, partial: { retryable, fellBack } } };
    }
    const shardsSoFar = point.shardsSoFar + point.shards.length;
    // a deadline too close for another batch moves what is left to a faster tier, beyond retry.maxRounds
    const late = tier === 'batch' && (fellBack || !batchFitsDeadline(spec, Date.now(), gen.facts));
    const nextTier: SendTier = late ? fallbackTier(spec, gen.facts) : tier;
    const fallbackRounds = point.fallbackRounds ?? 0;
    const moreRounds = point.round < spec.retry.maxRounds || (late && fallbackRounds < 2);
    if (tracker.cancelRequested || retryable === 0 || !moreRounds) return { done: { ...point, shardsSoFar } };
    const maxRequestsPerShard = shardRequestsFor(spec, nextTier);
    const planning = { jobId: spec.jobId, generation: gen.generation, round: point.round + 1, previous: point.shards, ...(maxRequestsPerShard ? { maxRequestsPerShard } : {}) };
    const plan = await jobSteps(spec.timeouts).planRound.executeWithOptions({ summary: summaries.planRound(point.round + 1) }, [planning]);
    tracker.roundPlanned(plan.round, plan.queued, plan.shards.length);
    log.info('round planned', { jobId: spec.jobId, generation: gen.generation, round: plan.round, queued: plan.queued, shards: plan.shards.length, tier: nextTier });
    if (nextTier !== tier) log.info('deadline fallback', { jobId: spec.jobId, round: plan.round, from: tier, to: nextTier });
    point = { round: plan.round, shards: plan.shards, shardsSoFar, tier: nextTier, fallbackRounds: fallbackRounds + (late && point.round >= spec.retry.maxRounds ? 1 : 0) };
    if (plan.queued === 0) return { done: point };
    if (workflowInfo().continueAsNewSuggested) return { resumeAt: point };
  }
}

/**
 * Runs one round's shards within the window and the token budget; returns what it left retryable. When
 * Temporal suggests continue-as-new (a round of more shards than one history holds), it launches no more
 * shards, waits for those running, and says where it stopped (runs recorded before this rule go on launching).
 */
async function runRound(tracker: JobTracker, gen: OpenGeneration, point: RoundPoint): Promise<{ retryable: number; fellBack: boolean; stoppedAt?: number }> {
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
    const how = { tier, share: 1 / window, ...(fallbackAt !== undefined ? { fallbackAt } : {}) };
    running.push(
      runShard(tracker, spec, gen.generation, point.round, shard, how).then((tally) => {
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

/**
 * One shard attempt as a child workflow. Shards live through the job's own cancellation: they are told by signal
 * and end with partial results. A shard workflow that fails has its items collected as failed retryably.
 */
function runShard(tracker: JobTracker, spec: JobSettings, gen: number, round: number, shard: ShardRef, how: { tier: SendTier; share: number; fallbackAt?: number }): Promise<ShardTally> {
  const attemptId = shardAttemptId(spec.jobId, gen, round, shard.index);
  const workflowId = shardWorkflowId(attemptId);
  const address = { jobId: spec.jobId, generation: gen, round, index: shard.index };
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
    tracker.shardRunning(workflowId, child);
    try {
      if (tracker.cancelRequested) await child.signal(cancelShardSignal);
      return await child.result();
    } catch (err) {
      log.error('shard workflow failed; its items are failed retryably', { workflowId, error: String(err) });
      const collect = { shard: address, note: `the shard workflow failed: ${String(err)}`, jobCancelled: tracker.cancelRequested };
      return jobSteps(spec.timeouts).collectShard.executeWithOptions({ summary: summaries.collectFailedShard(address) }, [collect]);
    } finally {
      tracker.shardStopped(workflowId);
      tracker.shardTimed({ round, index: shard.index, requests: shard.requests, seconds: (Date.now() - launched) / 1000, tier: how.tier });
    }
  });
}
