import { log } from '@temporalio/activity';
import type { BatchStatus } from '../src/providers/batch-provider';
import { submitExactlyOnce, type SubmitOutcome } from '../src/providers/exactly-once-submit';
import { closeShardSubmit, sweepStrays, type StrayContext } from '../src/providers/stray-batches';
import { shardAttemptId } from '../workflows/internal/workflow-ids';
import { collectShard as collect } from '../src/results/collect-shard';
import type { ShardTally } from '../src/results/shard-tally';
import type { FailureReason } from '../src/results/item-outcome';
import type { Endpoint, ProviderName, ResolvedJobSpec } from '../src/spec/job-spec';
import { BlobNotFoundError } from '../src/storage/blob-store';
import { jobLayout, type ShardAddress } from '../src/storage/job-layout';
import type { ActivityDeps } from './activity-deps';
import { JobSpecs } from './job-specs';
import { checkSameStorage } from '../src/storage/storage-identity';
import { STALL_BOUNDS_MS, previousProgress, withKeepalive } from './keepalive';
import { meteredBlobs, newMeter } from './metered-blobs';
import { recordBatchEnded, recordShardCollected } from '../src/observability/job-metrics';

/** Which provider account a call goes to. */
export interface ProviderTarget {
  provider: ProviderName;
  account?: string;
}

export interface SubmitShardInput extends ProviderTarget {
  shard: ShardAddress;
  shardAttemptId: string;
  endpoint: Endpoint;
  model: string;
  requests: number;
  bytes: number;
  /** Wait after a quota refusal that carries no retry-after. */
  quotaRetryMs: number;
  /** The job's stores (spec.storage), checked against this worker's. */
  storage?: string;
}

export interface BatchRef extends ProviderTarget {
  batchId: string;
}

export interface CollectShardInput {
  /** Tasks scheduled before references carry the spec; since, it is read from the store by the shard's job and generation. */
  spec?: ResolvedJobSpec;
  /** The shard, with its request count where the caller has it (strays found are recorded with it). */
  shard: ShardAddress & { requests?: number };
  status?: BatchStatus;
  note?: string;
  jobCancelled: boolean;
  /** Reasons retried even if the spec's retryOn leaves them out (a deadline fallback cancels batches on purpose). */
  retryAlso?: FailureReason[];
  /** The key the shard's batch was submitted under, when not its attempt id (created again after a quota refusal). */
  submissionKey?: string;
}

/** Batch errors kept in a status that travels through workflow history (the rest are summarized). */
const MAX_STATUS_ERRORS = 200;

/** Steps of one shard: submit exactly once, poll, cancel, collect. */
export function createShardActivities(deps: ActivityDeps, specs = new JobSpecs(deps.store)) {
  const provider = (t: ProviderTarget) => deps.providers.get(t.provider, t.account);
  /** Whose strays a collect deals with. */
  const strayContext = (input: CollectShardInput, spec: ResolvedJobSpec): StrayContext => {
    const { shard } = input;
    return {
      store: deps.store,
      provider: provider(spec),
      jobId: shard.jobId,
      shardAttemptId: input.submissionKey ?? shardAttemptId(shard.jobId, shard.generation, shard.round, shard.index),
      requests: shard.requests ?? 0,
      ...(spec.account ? { account: spec.account } : {}),
      now: Date.now,
      warn: (message) => log.warn(message),
    };
  };
  return {
    /**
     * Creates the shard's provider batch at most once (claim, reconcile, fenced create, record). Retryable failures
     * carry their delay; an attempt that lost its claim fails retryably (the next attempt finds the record).
     */
    async submitShard(input: SubmitShardInput): Promise<SubmitOutcome> {
      if (deps.storage) checkSameStorage({ jobId: input.shard.jobId, storage: input.storage }, deps.storage);
      const key = jobLayout.shardInput(input.shard);
      // the provider's client would read a missing file as a connection error, retried for a day
      if (!(await deps.blobs.exists(key))) throw new BlobNotFoundError(key);
      // bytesRead is the upload's progress (the provider's client streams the shard as it sends it). A cancel
      // stops the upload at its next chunk, or the create at its fence; once the create is sent, the attempt
      // records the batch id before it ends, so a cancel never loses a created batch
      const meter = newMeter();
      const submitted = await withKeepalive(
        (signal) =>
          submitExactlyOnce(
            {
              jobId: input.shard.jobId,
              shardAttemptId: input.shardAttemptId,
              endpoint: input.endpoint,
              model: input.model,
              requestCount: input.requests,
              bytes: input.bytes,
              fileName: key.split('/').slice(-4).join('_'),
              openInput: () => meteredBlobs(deps.blobs, signal, meter).read(key),
            },
            {
              store: deps.store,
              provider: provider(input),
              ...(input.account ? { account: input.account } : {}),
              signal,
              warn: (message) => log.warn(message),
            },
          ),
        () => ({ bytesUploaded: meter.bytesRead, of: input.bytes }),
        { stallMs: deps.stallMs ?? STALL_BOUNDS_MS.submit },
      );
      log.info('shard submitted', { jobId: input.shard.jobId, generation: input.shard.generation, round: input.shard.round, shard: input.shard.index, shardAttemptId: input.shardAttemptId, batchId: submitted.batchId, requests: input.requests });
      return submitted;
    },

    /** The batch's status now. A 404 right after create is retryable (the provider may not list it yet). */
    async pollBatch(input: BatchRef): Promise<BatchStatus> {
      const status = await provider(input).retrieve(input.batchId);
      if (status.errors.length <= MAX_STATUS_ERRORS) return status;
      return { ...status, errors: status.errors.slice(0, MAX_STATUS_ERRORS) };
    },

    async cancelBatch(input: BatchRef): Promise<void> {
      await provider(input).cancel(input.batchId);
    },

    /**
     * Downloads, parses, validates and stores one shard's results; returns its tally. Idempotent. First settles
     * the shard's batches: with no batch (never created, or given up on) the submit record is closed so no stale
     * attempt creates one any more; with one, strays of the shard are swept (cancelled).
     */
    async collectShard(input: CollectShardInput): Promise<ShardTally> {
      const spec = await specs.of(input.shard, input.spec);
      if (deps.storage) checkSameStorage(spec, deps.storage);
      const strays = strayContext(input, spec);
      if (input.status) await sweepStrays(await deps.store.getBatchRecord(strays.shardAttemptId), strays);
      else await closeShardSubmit(strays);
      let lines = 0;
      const meter = newMeter();
      // a retry keeps what the last attempt downloaded (downloadOnce) and reads the lines again (outcomes are upserts)
      const resumed = previousProgress();
      if (resumed) log.info('collect resumes', { jobId: input.shard.jobId, shard: input.shard.index, previous: resumed });
      const tally = await withKeepalive(
        (signal) =>
          collect(
            {
              spec,
              shard: input.shard,
              status: input.status,
              ...(input.note ? { note: input.note } : {}),
              jobCancelled: input.jobCancelled,
              ...(input.retryAlso ? { retryAlso: input.retryAlso } : {}),
            },
            {
              blobs: meteredBlobs(deps.blobs, signal, meter),
              store: deps.store,
              provider: provider(spec),
              prices: deps.prices,
              onProgress: (n) => {
                lines = n;
                signal.throwIfAborted();
              },
              ...(deps.threads !== undefined ? { threads: { count: deps.threads } } : {}),
            },
          ),
        () => ({ lines, bytesDownloaded: meter.bytesWritten, bytesRead: meter.bytesRead }),
        { stallMs: deps.stallMs ?? STALL_BOUNDS_MS.steps },
      );
      const labels = { provider: spec.provider, model: spec.model, tier: 'batch' };
      recordShardCollected(tally, labels);
      if (input.status) recordBatchEnded(input.status, labels);
      const { shard } = input;
      if (input.status) log.info('batch ended', { jobId: shard.jobId, generation: shard.generation, round: shard.round, shard: shard.index, phase: input.status.phase, ...input.status.counts });
      log.info('collect done', { jobId: shard.jobId, generation: shard.generation, round: shard.round, shard: shard.index, succeeded: tally.succeeded, failed: tally.failed, retryable: tally.retryable, cancelled: tally.cancelled, costUsd: tally.costUsd, ...(input.note ? { note: input.note } : {}) });
      return tally;
    },
  };
}
