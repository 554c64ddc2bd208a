import {
  ActivityFailure,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { TERMINAL_PHASES, type BatchStatus } from '../src/contracts/batch-status';
import type { ShardAddress, ShardRef } from '../src/contracts/shard-ref';
import { emptyTally, type ShardTally } from '../src/contracts/shard-tally';
import type { SendTier } from '../src/contracts/tiers';
import type { ResolvedJobSpec } from '../src/spec/job-spec';
import { carriedSettings, type JobSettings } from '../src/contracts/job-settings';
import { cancelShardSignal, shardOverdueSignal, shardProgressQuery, wakeShardSignal, type ShardProgress } from './definitions';
import { shardSteps } from './internal/activity-proxies';
import { shardDetailsText } from './internal/job-details';
import { PollBackoff } from './internal/backoff';
import { MAX_QUOTA_REQUEUES, refusedForQuota } from './internal/quota-refusal';
import { submissionKey } from './internal/workflow-ids';
import { summaries } from './internal/ui-summaries';
import { SA } from '../src/contracts/search-attributes';
import { StallWatch, type StallState } from './internal/stall-watch';

export interface ShardInput {
  /** What the shard steers by; its activities read the spec from the store by the shard's job and generation. */
  settings?: JobSettings;
  /** The whole spec, in histories recorded before references (settingsOf reads what the shard needs of it). */
  spec?: ResolvedJobSpec;
  shard: ShardAddress & ShardRef;
  shardAttemptId: string;
  /** Where the requests go (batch when absent, as in histories recorded before tiers). */
  tier?: SendTier;
  /** Epoch ms when a batch must stop waiting because of the job's deadline (its unfinished items go faster). */
  fallbackAt?: number;
  /** This shard's share of the job's synchronous rate limits. */
  share?: number;
  /** Batches created again after quota refusals so far (0 or absent: the first); names the submission key. */
  submission?: number;
  /** Carried over continue-as-new. */
  carry?: { batchId: string; polls: number; cancelSent: boolean; cancelRequested: boolean; fellBack?: boolean; overdue?: boolean; stall?: StallState };
}

/**
 * How many heartbeat intervals a cancelled job's shard waits for a collect that does not finish (failing and
 * retrying) before giving it up (5 minutes at the default 60 s). An attempt that is running then still finishes
 * and stores what it read; only its retries are given up.
 */
const COLLECT_AFTER_CANCEL_BEATS = 5;


function describe(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * One shard attempt: submit its batch exactly once, wait for the provider with durable timers (capped
 * backoff, or woken early by a webhook signal), then collect. Cancelled by signal: cancels the provider
 * batch, waits for it to settle and collects what finished. History grows with polls (a few events each),
 * never with items; the workflow continues as new when Temporal suggests it. Returns counts only.
 */
export async function shardWorkflow(input: ShardInput): Promise<ShardTally> {
  const { shard } = input;
  const settings = carriedSettings(input);
  // a run continued as new carries the settings, not the spec
  const { spec: _spec, ...carried } = { ...input, settings };
  const { submit, poll, collect, sync } = shardSteps(settings.timeouts);
  const tier = input.tier ?? 'batch';
  const target = { provider: settings.provider, ...(settings.account ? { account: settings.account } : {}) };
  const progress: ShardProgress = {
    shardAttemptId: input.shardAttemptId,
    phase: input.carry ? 'in_progress' : tier === 'batch' ? 'submitting' : 'sending',
    requests: shard.requests,
    counts: { total: shard.requests, completed: 0, failed: 0 },
    polls: input.carry?.polls ?? 0,
    cancelRequested: input.carry?.cancelRequested ?? false,
    ...(input.carry ? { batchId: input.carry.batchId } : {}),
  };
  let woken = false;
  const place = { generation: shard.generation, round: shard.round, index: shard.index };
  // search attributes follow the phase and the batch (upserts are commands: runs recorded before them replay without)
  const searchable = patched('shard-search-attributes');
  let shown: { phase: string; batchId?: string } | undefined;
  /** Shows a change of phase or batch: on the UI's shard page (current details, no history) and in its search attributes. */
  const publish = (): void => {
    setCurrentDetails(shardDetailsText(progress));
    if (!searchable || (shown?.phase === progress.phase && shown.batchId === progress.batchId)) return;
    // each run sets all of them once: a run continued as new may not have inherited them
    const pairs: SearchAttributeUpdatePair[] = shown ? [] : [{ key: SA.jobId, value: shard.jobId }, { key: SA.round, value: shard.round }, { key: SA.shard, value: shard.index }];
    pairs.push({ key: SA.shardPhase, value: progress.phase });
    if (progress.batchId) pairs.push({ key: SA.batchId, value: progress.batchId });
    upsertSearchAttributes(pairs);
    shown = { phase: progress.phase, ...(progress.batchId ? { batchId: progress.batchId } : {}) };
  };
  setHandler(shardProgressQuery, () => progress);
  publish();
  setHandler(wakeShardSignal, () => void (woken = true));
  setHandler(cancelShardSignal, () => void (progress.cancelRequested = true));

  let fellBack = input.carry?.fellBack ?? false;
  const submission = input.submission ?? 0;
  let overdue = input.carry?.overdue ?? false;
  if (overdue) progress.overdue = true;
  const finish = async (status: BatchStatus | undefined, note?: string): Promise<ShardTally> => {
    progress.phase = 'collecting';
    publish();
    const tally = await collectUnlessGivenUp({
      shard,
      ...(submission > 0 ? { submissionKey: submissionKey(input.shardAttemptId, submission) } : {}),
      ...(status ? { status } : {}),
      ...(note ? { note } : {}),
      jobCancelled: progress.cancelRequested,
      // a deadline fallback or an overdue batch was cancelled on purpose: what it left unfinished is retried
      ...(fellBack || overdue ? { retryAlso: ['provider_cancelled', 'expired'] } : {}),
    });
    progress.phase = 'done';
    publish();
    return input.tier || fellBack ? { ...tally, tier, fellBack } : tally;
  };

  /**
   * Collects; once the job is cancelled, a collect that has not finished within COLLECT_AFTER_CANCEL_BEATS
   * heartbeat intervals (failing and retrying) is given up, so a cancel ends the job whatever its activities do: what it stored stays, the
   * job's finalize settles the rest. Runs recorded before this rule collect as they did.
   */
  async function collectUnlessGivenUp(request: Parameters<typeof collect.collectShard>[0]): Promise<ShardTally> {
    const scope = new CancellationScope();
    const collecting = scope.run(() => collect.collectShard.executeWithOptions({ summary: summaries.collect(place, progress.batchId) }, [request]));
    let settled = false;
    void CancellationScope.nonCancellable(async () => {
      await condition(() => settled || progress.cancelRequested);
      if (settled || !patched('cancel-bounds-collect')) return;
      if (!(await condition(() => settled, settings.timeouts.heartbeatSeconds * COLLECT_AFTER_CANCEL_BEATS * 1000))) scope.cancel();
    });
    try {
      return await collecting;
    } catch (err) {
      if (!isCancellation(err) || !progress.cancelRequested) throw err;
      return { ...emptyTally(), requests: shard.requests };
    } finally {
      settled = true;
    }
  }

  /** Marks the batch overdue and tells the job (its ETA stops promising seconds). */
  async function markOverdue(): Promise<void> {
    overdue = true;
    progress.overdue = true;
    const parent = workflowInfo().parent;
    if (parent) await getExternalWorkflowHandle(parent.workflowId).signal(shardOverdueSignal, { workflowId: workflowInfo().workflowId }).catch(() => undefined);
  }

  if (tier !== 'batch') {
    progress.phase = 'sending';
    publish();
    const scope = new CancellationScope();
    void condition(() => progress.cancelRequested).then(() => scope.cancel());
    try {
      const tally = await scope.run(() => sync.runSyncShard.executeWithOptions({ summary: summaries.send(place, tier) }, [{ shard, tier, share: input.share ?? 1 }]));
      progress.phase = 'done';
      publish();
      return { ...tally, tier, fellBack: false };
    } catch (err) {
      // cancelled: what was sent is stored; the rest is settled by the job's finalize. Failed: settle the rest now.
      if (isCancellation(err)) {
        progress.phase = 'done';
        publish();
        return { ...emptyTally(), requests: shard.requests, tier, fellBack: false };
      }
      return finish(undefined, `sending on the ${tier} tier failed: ${describe(err)}`);
    }
  }

  let batchId = input.carry?.batchId;
  if (!batchId) {
    // a batch created again after a quota refusal waits for running batches to drain first
    if (submission > 0) await condition(() => progress.cancelRequested, settings.limits.quotaRetrySeconds * 1000, { summary: summaries.quotaWait(settings.limits.quotaRetrySeconds) });
    if (progress.cancelRequested) return finish(undefined, 'the job was cancelled before this shard was submitted');
    try {
      const submitted = await submit.submitShard.executeWithOptions({ summary: summaries.submit(place, submission) }, [{
        ...target,
        shard,
        shardAttemptId: submissionKey(input.shardAttemptId, submission),
        endpoint: settings.endpoint,
        model: settings.model,
        requests: shard.requests,
        bytes: shard.bytes,
        quotaRetryMs: settings.limits.quotaRetrySeconds * 1000,
        ...(settings.storage ? { storage: settings.storage } : {}),
      }]);
      batchId = submitted.batchId;
    } catch (err) {
      // a permanent refusal (bad request, auth) fails this shard's items; the job goes on
      return finish(undefined, `the batch could not be created: ${describe(err)}`);
    }
  }
  progress.batchId = batchId;
  publish();

  const backoff = new PollBackoff(settings.polling.initialSeconds * 1000, settings.polling.maxSeconds * 1000, settings.polling.factor);
  const graceMs = (settings.polling.expiryGraceMinutes ?? 60) * 60_000;
  const stall = new StallWatch(graceMs, input.carry?.stall);
  let cancelSent = input.carry?.cancelSent ?? false;
  const fallbackAt = input.fallbackAt;
  for (;;) {
    const pastFallback = fallbackAt !== undefined && Date.now() >= fallbackAt;
    if ((progress.cancelRequested || pastFallback) && !cancelSent) {
      if (!progress.cancelRequested) fellBack = true;
      log.info(fellBack && !progress.cancelRequested ? 'batch cancelled: deadline fallback' : 'batch cancelled: job cancelled', { jobId: shard.jobId, round: shard.round, shard: shard.index, batchId });
      await poll.cancelBatch.executeWithOptions({ summary: summaries.cancel(place, batchId) }, [{ ...target, batchId }]);
      cancelSent = true;
      backoff.reset();
    }
    const pause = backoff.next();
    const wait = fallbackAt === undefined || cancelSent ? pause : Math.max(1, Math.min(pause, fallbackAt - Date.now()));
    await condition(() => woken || (progress.cancelRequested && !cancelSent), wait, { summary: summaries.nextPoll(batchId) });
    // cleared after the wait, so a webhook that arrives during a poll still wakes the next wait
    woken = false;
    if (progress.cancelRequested && !cancelSent) continue;
    let status: BatchStatus;
    try {
      status = await poll.pollBatch.executeWithOptions({ summary: summaries.poll(place, batchId) }, [{ ...target, batchId }]);
    } catch (err) {
      return finish(undefined, `lost track of batch ${batchId}: ${describe(err)}`);
    }
    progress.polls++;
    progress.phase = status.phase;
    progress.counts = status.counts;
    publish();
    if (TERMINAL_PHASES.has(status.phase)) {
      // refused for the enqueued-token quota: no work was done; create the batch again later (a fresh run)
      if (refusedForQuota(status) && !progress.cancelRequested && submission < MAX_QUOTA_REQUEUES && patched('requeue-quota-refusals')) {
        const { carry: _carry, ...fresh } = carried;
        return continueAsNew<typeof shardWorkflow>({ ...fresh, submission: submission + 1 });
      }
      return finish(status);
    }
    // a batch that never ends (stuck at the provider): past its expiry plus grace with no progress for the grace,
    // cancel it and collect what it finished; if even the cancel does not settle within the grace again, stop waiting
    const late = stall.overdueBy(status);
    if (late !== undefined && !cancelSent) {
      log.warn('batch overdue: cancelling it', { jobId: shard.jobId, round: shard.round, shard: shard.index, batchId });
      await markOverdue();
      await poll.cancelBatch.executeWithOptions({ summary: summaries.cancel(place, batchId) }, [{ ...target, batchId }]);
      cancelSent = true;
      backoff.reset();
    } else if (late !== undefined && late > graceMs) {
      return finish({ ...status, phase: 'expired' }, `batch ${batchId} ran past its expiry and did not settle after a cancel`);
    }
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof shardWorkflow>({
        ...carried,
        carry: { batchId, polls: progress.polls, cancelSent, cancelRequested: progress.cancelRequested, fellBack, ...(overdue ? { overdue } : {}), ...(stall.snapshot() ? { stall: stall.snapshot() } : {}) },
      });
    }
  }
}
