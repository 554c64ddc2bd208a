import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../src/contracts/failure-types';
import type { ResultStore } from '../src/results/result-store';
import type { ResolvedJobSpec } from '../src/spec/job-spec';
import type { SpecRef } from '../src/contracts/job-settings';

/** Specs kept per worker; a generation's spec never changes, so an entry is only dropped for room or age. */
const MAX_ENTRIES = 64;
/** A job id used again after `longhaul gc` starts at generation 0 with another spec: entries do not outlive this. */
const MAX_AGE_MS = 10 * 60_000;

/**
 * Where activities get a job's spec: workflows pass references (job id, generation; src/spec/job-settings.ts),
 * and the spec is read from the result store, where beginGeneration recorded it for the generation. Tasks
 * scheduled before references carry the spec itself, which is used as it is.
 */
export class JobSpecs {
  private readonly cache = new Map<string, { spec: ResolvedJobSpec; at: number }>();

  constructor(private readonly store: ResultStore) {}

  /**
   * The spec of the generation. Throws JobNotFound (not retryable) when the store has no such job, or holds a
   * later generation (this step's generation has ended).
   */
  async of(ref: SpecRef, carried?: ResolvedJobSpec): Promise<ResolvedJobSpec> {
    if (carried) return carried;
    const key = `${ref.jobId}@${ref.generation}`;
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < MAX_AGE_MS) return cached.spec;
    const record = await this.store.getJob(ref.jobId);
    if (!record) throw ApplicationFailure.nonRetryable(`job ${ref.jobId} is not in the result store (is it shared by every worker? see LONGHAUL_RESULT_STORE)`, FailureType.jobNotFound);
    if (record.generation !== ref.generation) {
      throw ApplicationFailure.nonRetryable(`job ${ref.jobId} is at generation ${record.generation}; a step of generation ${ref.generation} can no longer run`, FailureType.jobNotFound);
    }
    this.cache.delete(key);
    this.cache.set(key, { spec: record.spec, at: Date.now() });
    if (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return record.spec;
  }

  /** The spec of a job-level step's input: by its job id and generation, or the spec it carries. */
  ofStep(input: StepJob & { generation: number }): Promise<ResolvedJobSpec> {
    return this.of({ jobId: input.spec ? input.spec.jobId : input.jobId!, generation: input.generation }, input.spec);
  }
}

/** The job a step belongs to: its id, or (tasks scheduled before references) its whole spec. */
export type StepJob = { jobId: string; spec?: undefined } | { spec: ResolvedJobSpec; jobId?: string };
