import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BatchPhase } from '../src/contracts/batch-status';
import type { JobReport } from '../src/report/job-report';
import type { JobSpecChanges } from '../src/spec/resolve-spec';

/**
 * Signals, queries and updates: one typed source for the workflows, the client and the CLI. Their names
 * are recorded in histories; treat them as public API.
 */

export type JobStatus = 'preparing' | 'running' | 'paused' | 'cancelling' | 'finalizing' | 'completed' | 'cancelled' | 'failed';

export interface JobProgress {
  jobId: string;
  status: JobStatus;
  generation: number;
  round: number;
  /** Where the current round's requests go: batch, flex or realtime. */
  tier: string;
  total: number;
  items: {
    succeeded: number;
    failed: number;
    cancelled: number;
    cached: number;
    /** Waiting for the next round. */
    retrying: number;
    /** Not settled yet (queued, in a batch, or retrying). */
    pending: number;
  };
  shards: { total: number; queued: number; running: number; done: number };
  /** Workflow ids of shards running now (query them with shardProgressQuery for live batch counts). */
  runningShards: string[];
  tokens: { in: number; out: number; estimatedQueued: number };
  costUsd: number;
  startedAt: string;
  /** Seconds until every item is settled, from the rate so far; absent until there is a rate, and while a batch is overdue. */
  etaSeconds?: number;
  /** Running shards whose batch is past its provider's expiry (plus grace): being cancelled, then retried. */
  overdueShards?: number;
  paused: boolean;
  report?: JobReport;
}

export interface ShardProgress {
  shardAttemptId: string;
  phase: 'submitting' | 'sending' | BatchPhase | 'collecting' | 'done';
  batchId?: string;
  requests: number;
  counts: { total: number; completed: number; failed: number };
  polls: number;
  cancelRequested: boolean;
  /** The batch ran past its provider's expiry plus `polling.expiryGraceMinutes`: it is being cancelled. */
  overdue?: boolean;
}

export interface ReprocessRequest {
  /** `failed`: only items that ended failed or cancelled; `all`: every item (unchanged requests reuse cached answers). */
  selection: 'failed' | 'all';
  /** Changes to the spec for this generation (prompt, model, params, schema, mode, limits, retry, ...). */
  changes?: JobSpecChanges;
}

export interface ReprocessResult {
  generation: number;
  taskVersion: string;
  /** Items sent to the provider again. */
  queued: number;
  /** Items answered from cached results (same task version, same request). */
  cached: number;
  /** Items left as they were. */
  untouched: number;
}

/** Cancel the job: cancel provider batches, collect partial results, keep everything done, finalize. */
export const cancelJobSignal = defineSignal<[{ reason?: string }?]>('longhaul.cancel');
/** Stop launching new shards (running batches go on at the provider); resume to continue. */
export const pauseJobSignal = defineSignal('longhaul.pause');
export const resumeJobSignal = defineSignal('longhaul.resume');
export const progressQuery = defineQuery<JobProgress>('longhaul.progress');
/** Queue another generation of a finished job; returns how many items it queued. */
export const reprocessUpdate = defineUpdate<ReprocessResult, [ReprocessRequest]>('longhaul.reprocess');

/** Wake a waiting shard now (a provider webhook said its batch ended). */
export const wakeShardSignal = defineSignal('longhaul.wake');
/** Sent by the job to its shards when it is cancelled. */
export const cancelShardSignal = defineSignal('longhaul.cancelShard');
export const shardProgressQuery = defineQuery<ShardProgress>('longhaul.shardProgress');
/** Sent by a shard to its job when its batch is overdue, so the job's ETA stops promising seconds. */
export const shardOverdueSignal = defineSignal<[{ workflowId: string }]>('longhaul.shardOverdue');
