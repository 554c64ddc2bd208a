import { ApplicationFailure } from '@temporalio/activity';
import { DatasetChangedError, datasetIdentity } from '../src/dataset/dataset-identity';
import { readStoredReport } from '../src/report/stored-report';
import type { StrayBatch } from '../src/results/result-store';
import type { ProviderName } from '../src/spec/job-spec';
import { prepareJob as prepare, type PrepareResult, type Selection } from '../src/dataset/prepare-job';
import { planRound as plan, type RoundPlan } from '../src/dataset/plan-round';
import type { ShardRef } from '../src/dataset/shard-writer';
import { finalizeJob as finalize, type FinalizeRequest } from '../src/report/finalize-job';
import type { JobReport } from '../src/report/job-report';
import type { ResolvedJobSpec } from '../src/spec/job-spec';
import { applySpecChanges } from '../src/spec/resolve-spec';
import { assertRunnable, providerFacts, type ProviderFacts } from '../src/spec/runnable-check';
import type { ReprocessRequest } from '../workflows/definitions';
import { STALL_BOUNDS_MS, withKeepalive } from './keepalive';
import { meteredBlobs, newMeter } from './metered-blobs';
import { checkSameStorage } from '../src/storage/storage-identity';
import type { ActivityDeps } from './activity-deps';
import { JobSpecs, type StepJob } from './job-specs';
import { settingsOf, type JobSettings } from '../src/contracts/job-settings';
import { specMemo } from '../workflows/internal/spec-memo';
import { FailureType } from './failures';

export type PrepareJobInput = StepJob & {
  generation: number;
  selection: Selection;
  /** Smaller shards for the synchronous tiers. */
  maxRequestsPerShard?: number;
};

export type BeginGenerationInput = { kind: 'new'; spec: ResolvedJobSpec } | { kind: 'reprocess'; jobId: string; request: ReprocessRequest };

export interface Generation {
  /** What the workflow steers by (runs since references; activities read the rest from the store). */
  settings?: JobSettings;
  /** The generation's memo for the Temporal UI (runs since references). */
  memo?: Record<string, unknown>;
  /** The whole spec, in histories recorded before references. */
  spec?: ResolvedJobSpec;
  generation: number;
  selection: Selection;
  /** The provider's timing and tiers, for the workflow's tier planning (absent in old histories). */
  facts?: ProviderFacts;
}

export type PlanRoundInput = StepJob & {
  generation: number;
  round: number;
  previous: ShardRef[];
  /** Smaller shards for the synchronous tiers. */
  maxRequestsPerShard?: number;
};

/** Finalize's request with the job named by reference (finalize-job.ts takes the spec read from the store). */
export type FinalizeJobInput = StepJob & Omit<FinalizeRequest, 'spec'>;

/** Job-level steps: prepare the shards, plan a retry round, finalize. Each is idempotent. */
export function createJobActivities(deps: ActivityDeps, specs = new JobSpecs(deps.store)) {
  const stall = { stallMs: deps.stallMs ?? STALL_BOUNDS_MS.steps };
  /** What the strays completed before their cancel took, asked of the provider; null if any cannot be asked. */
  const strayRequestsBilled = async (strays: StrayBatch[]): Promise<number | null> => {
    let billed = 0;
    for (const stray of strays) {
      try {
        billed += (await deps.providers.get(stray.provider as ProviderName, stray.account).retrieve(stray.batchId)).counts.completed;
      } catch {
        return null;
      }
    }
    return billed;
  };
  return {
    /**
     * Opens a generation of a job and records its spec: 0 for a new job id, the next number for a reprocess
     * (or a job id used again). Generations only grow, so shard attempt ids are never reused.
     * Throws JobNotFound (not retryable) when reprocessing a job the store does not know.
     */
    async beginGeneration(input: BeginGenerationInput): Promise<Generation> {
      const jobId = input.kind === 'new' ? input.spec.jobId : input.jobId;
      const existing = await deps.store.getJob(jobId);
      if (input.kind === 'reprocess' && !existing) {
        throw ApplicationFailure.nonRetryable(`job ${jobId} is not in the result store; nothing to reprocess`, FailureType.jobNotFound);
      }
      const given = input.kind === 'new' ? input.spec : applySpecChanges(existing!.spec, input.request.changes);
      // a new job whose client wrote its inputs to a shared blob store names that store: a worker on another refuses it
      if (deps.storage && input.kind === 'new') checkSameStorage(given, deps.storage);
      // the generation's activities must all run on these stores (checkSameStorage)
      const spec = deps.storage ? { ...given, storage: deps.storage } : given;
      // the worker's configuration decides: a missing key, an unpriced model or an unserved mode fails here,
      // before anything is read or submitted
      const provider = deps.providers.get(spec.provider, spec.account);
      assertRunnable(spec, { priceKnown: (model) => deps.prices.priceOf(model) !== undefined, capabilities: provider.capabilities, nowMs: Date.now() });
      const meter = newMeter();
      const dataset = await withKeepalive((signal) => datasetIdentity(spec.dataset, meteredBlobs(deps.blobs, signal, meter)), () => ({ ...meter }), stall);
      if (input.kind === 'reprocess' && existing!.dataset && existing!.dataset.sha256 !== dataset.sha256) {
        throw new DatasetChangedError(jobId, spec.dataset.path, existing!.dataset, dataset);
      }
      const generation = existing ? existing.generation + 1 : 0;
      await deps.store.upsertJob({ jobId, generation, total: existing?.total ?? -1, spec, dataset: existing?.dataset ?? dataset });
      return { settings: settingsOf(spec), memo: specMemo(spec, generation), generation, selection: input.kind === 'new' ? 'all' : input.request.selection, facts: providerFacts(provider.limits, provider.capabilities) };
    },

    /**
     * Streams the dataset into shard files. Throws InvalidSpec / DatasetNotFound / ConfigurationError (not
     * retryable). Cancelled (the job was), it stops at its next batch of rows.
     */
    async prepareJob(input: PrepareJobInput): Promise<PrepareResult> {
      const spec = await specs.ofStep(input);
      if (deps.storage) checkSameStorage(spec, deps.storage);
      const provider = deps.providers.get(spec.provider, spec.account);
      let rows = 0;
      const meter = newMeter();
      return await withKeepalive(
        (signal) =>
          prepare(spec, input.generation, input.selection, {
            blobs: meteredBlobs(deps.blobs, signal, meter),
            store: deps.store,
            provider,
            builders: deps.builders,
            onProgress: (n) => {
              rows = n;
              signal.throwIfAborted(); // the rows read are settled; the shards are rewritten by the next attempt
            },
            ...(input.maxRequestsPerShard ? { maxRequestsPerShard: input.maxRequestsPerShard } : {}),
            ...(deps.threads !== undefined ? { threads: { count: deps.threads } } : {}),
          }),
        () => ({ rows, ...meter }),
        stall,
      );
    },

    /** Writes the next round's shards from the previous round's retryable items. */
    async planRound(input: PlanRoundInput): Promise<RoundPlan> {
      const spec = await specs.ofStep(input);
      if (deps.storage) checkSameStorage(spec, deps.storage);
      const provider = deps.providers.get(spec.provider, spec.account);
      const meter = newMeter();
      return await withKeepalive(
        (signal) => plan(spec, input.generation, input.round, input.previous, { blobs: meteredBlobs(deps.blobs, signal, meter), store: deps.store, provider }, input.maxRequestsPerShard),
        () => ({ ...meter }),
        stall,
      );
    },

    /** Settles every item and writes results, dead letters and the report. */
    async finalizeJob(input: FinalizeJobInput): Promise<JobReport> {
      const { jobId: _jobId, spec: _carried, ...request } = input;
      const spec = await specs.ofStep(input);
      if (deps.storage) checkSameStorage(spec, deps.storage);
      let items = 0;
      const meter = newMeter();
      return await withKeepalive(
        // cancelled, it stops at its next write and discards the files it was writing (the last complete ones stay)
        (signal) => finalize({ ...request, spec }, { blobs: meteredBlobs(deps.blobs, signal, meter), store: deps.store, prices: deps.prices, onProgress: (n) => (items = n), strayRequestsBilled }),
        () => ({ items, ...meter }),
        stall,
      );
    },

    /** The report the job's latest finalize stored. Throws ReportNotFound (not retryable) when it never finalized. */
    async storedReport(input: { jobId: string }): Promise<JobReport> {
      const report = await readStoredReport(deps.blobs, input.jobId);
      if (!report) throw ApplicationFailure.nonRetryable(`job ${input.jobId} has no stored report`, FailureType.reportNotFound);
      return report;
    },
  };
}
