import type { ResolvedJobSpec } from '../spec/job-spec';

/**
 * What the workflows carry of a job's spec: the small settings that steer them (limits, retries, polling,
 * timeouts, tiers, deadline), never the prompt, the schema, the params or the dataset. Child workflows and
 * activities take these with the job id and generation; an activity that needs the rest reads the generation's
 * spec from the result store (activities/job-specs.ts), where beginGeneration wrote it once. Versioned: a
 * field added later is optional, and `v` goes up when a field changes meaning. Sandbox-safe (types and a pure
 * function only).
 */
export type JobSettings = Pick<
  ResolvedJobSpec,
  'jobId' | 'provider' | 'model' | 'endpoint' | 'mode' | 'taskVersion' | 'limits' | 'retry' | 'polling' | 'timeouts' | 'realtime' | 'fallback' | 'auto'
> &
  Partial<Pick<ResolvedJobSpec, 'account' | 'deadline' | 'storage'>> & { v: 1 };

/** A job's generation, which names its spec in the result store. */
export interface SpecRef {
  jobId: string;
  generation: number;
}

/** The settings of a spec: what a workflow may carry. */
export function settingsOf(spec: ResolvedJobSpec): JobSettings {
  return {
    v: 1,
    jobId: spec.jobId,
    provider: spec.provider,
    ...(spec.account !== undefined ? { account: spec.account } : {}),
    model: spec.model,
    endpoint: spec.endpoint,
    mode: spec.mode,
    taskVersion: spec.taskVersion,
    limits: spec.limits,
    retry: spec.retry,
    polling: spec.polling,
    timeouts: spec.timeouts,
    realtime: spec.realtime,
    fallback: spec.fallback,
    auto: spec.auto,
    ...(spec.deadline !== undefined ? { deadline: spec.deadline } : {}),
    ...(spec.storage !== undefined ? { storage: spec.storage } : {}),
  };
}

/** The settings a workflow's input carries, or (histories recorded before references) reads from its spec. */
export function carriedSettings(input: { settings?: JobSettings; spec?: ResolvedJobSpec }): JobSettings {
  return input.settings ?? settingsOf(input.spec!);
}
