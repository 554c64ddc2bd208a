import type { ActivityDeps } from './activity-deps';
import { createJobActivities } from './job-activities';
import { createShardActivities } from './shard-activities';
import { createSyncActivities } from './sync-activities';
import { JobSpecs } from './job-specs';
import { withTypedFailures } from './failures';

export type { ActivityDeps } from './activity-deps';
export type { PrepareJobInput, PlanRoundInput, BeginGenerationInput, Generation, FinalizeJobInput } from './job-activities';
export type { SubmitShardInput, BatchRef, CollectShardInput, ProviderTarget } from './shard-activities';
export type { SyncShardInput } from './sync-activities';
export { FailureType } from './failures';

/** All of Longhaul's activities over one set of dependencies, their errors typed (failures.ts); register the result on a Worker. */
export function createActivities(deps: ActivityDeps) {
  // one cache of specs read by reference for all of them
  const specs = new JobSpecs(deps.store);
  return withTypedFailures({ ...createJobActivities(deps, specs), ...createShardActivities(deps, specs), ...createSyncActivities(deps, specs) });
}

export type LonghaulActivities = ReturnType<typeof createActivities>;
