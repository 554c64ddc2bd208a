import {
  ActivityFailure,
  condition,
  continueAsNew,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ShardRef } from '../src/dataset/shard-writer';
import type { BatchStatus } from '../src/providers/batch-provider';
import type { ShardTally } from '../src/results/shard-tally';
import type { ResolvedJobSpec } from '../src/spec/job-spec';
import type { ShardAddress } from '../src/storage/job-layout';
import { cancelShardSignal, shardProgressQuery, wakeShardSignal, type ShardProgress } from './definitions';
import { shardSteps } from './internal/activity-proxies';
import { PollBackoff } from './internal/backoff';

export interface ShardInput {
  spec: ResolvedJobSpec;
  shard: ShardAddress & ShardRef;
  shardAttemptId: string;
  /** Carried over continue-as-new. */
  carry?: { batchId: string; polls: number; cancelSent: boolean; cancelRequested: boolean };
}

const TERMINAL = new Set(['completed', 'failed', 'expired', 'cancelled']);

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
  const { spec, shard } = input;
  const { submit, poll, collect } = shardSteps(spec.timeouts);
  const target = { provider: spec.provider, ...(spec.account ? { account: spec.account } : {}) };
  const progress: ShardProgress = {
    shardAttemptId: input.shardAttemptId,
    phase: input.carry ? 'in_progress' : 'submitting',
    requests: shard.requests,
    counts: { total: shard.requests, completed: 0, failed: 0 },
    polls: input.carry?.polls ?? 0,
    cancelRequested: input.carry?.cancelRequested ?? false,
    ...(input.carry ? { batchId: input.carry.batchId } : {}),
  };
  let woken = false;
  setHandler(shardProgressQuery, () => progress);
  setHandler(wakeShardSignal, () => void (woken = true));
  setHandler(cancelShardSignal, () => void (progress.cancelRequested = true));

  const finish = async (status: BatchStatus | undefined, note?: string): Promise<ShardTally> => {
    progress.phase = 'collecting';
    const tally = await collect.collectShard({ spec, shard, ...(status ? { status } : {}), ...(note ? { note } : {}), jobCancelled: progress.cancelRequested });
    progress.phase = 'done';
    return tally;
  };

  let batchId = input.carry?.batchId;
  if (!batchId) {
    if (progress.cancelRequested) return finish(undefined, 'the job was cancelled before this shard was submitted');
    try {
      const submitted = await submit.submitShard({
        ...target,
        shard,
        shardAttemptId: input.shardAttemptId,
        endpoint: spec.endpoint,
        model: spec.model,
        requests: shard.requests,
        bytes: shard.bytes,
        quotaRetryMs: spec.limits.quotaRetrySeconds * 1000,
      });
      batchId = submitted.batchId;
    } catch (err) {
      // a permanent refusal (bad request, auth) fails this shard's items; the job goes on
      return finish(undefined, `the batch could not be created: ${describe(err)}`);
    }
  }
  progress.batchId = batchId;

  const backoff = new PollBackoff(spec.polling.initialSeconds * 1000, spec.polling.maxSeconds * 1000, spec.polling.factor);
  let cancelSent = input.carry?.cancelSent ?? false;
  for (;;) {
    if (progress.cancelRequested && !cancelSent) {
      await poll.cancelBatch({ ...target, batchId });
      cancelSent = true;
      backoff.reset();
    }
    await condition(() => woken || (progress.cancelRequested && !cancelSent), backoff.next());
    // cleared after the wait, so a webhook that arrives during a poll still wakes the next wait
    woken = false;
    if (progress.cancelRequested && !cancelSent) continue;
    let status: BatchStatus;
    try {
      status = await poll.pollBatch({ ...target, batchId });
    } catch (err) {
      return finish(undefined, `lost track of batch ${batchId}: ${describe(err)}`);
    }
    progress.polls++;
    progress.phase = status.phase;
    progress.counts = status.counts;
    if (TERMINAL.has(status.phase)) return finish(status);
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof shardWorkflow>({
        ...input,
        carry: { batchId, polls: progress.polls, cancelSent, cancelRequested: progress.cancelRequested },
      });
    }
  }
}
