import { log } from '@temporalio/activity';
import type { ShardTally } from '../src/results/shard-tally';
import type { ResolvedJobSpec } from '../src/spec/job-spec';
import type { ShardAddress } from '../src/storage/job-layout';
import { runSyncShard as runSync, type SyncTier } from '../src/tiers/sync-shard';
import type { ActivityDeps } from './activity-deps';
import { JobSpecs } from './job-specs';
import { checkSameStorage } from '../src/storage/storage-identity';
import { STALL_BOUNDS_MS, withKeepalive } from './keepalive';
import { recordShardCollected } from '../src/observability/job-metrics';

export interface SyncShardInput {
  /** Tasks scheduled before references carry the spec; since, it is read from the store by the shard's job and generation. */
  spec?: ResolvedJobSpec;
  shard: ShardAddress;
  tier: SyncTier;
  /** This shard's share of the job's rate limits. */
  share: number;
}

/** The synchronous tiers: one activity sends one shard's requests (realtime or flex). */
export function createSyncActivities(deps: ActivityDeps, specs = new JobSpecs(deps.store)) {
  return {
    /**
     * Sends a shard's requests synchronously and stores each outcome as it comes; heartbeats its progress.
     * A retry (crash, timeout) resumes without resending what already has an outcome. Cancellation stops sending.
     */
    async runSyncShard(input: SyncShardInput): Promise<ShardTally> {
      const spec = await specs.of(input.shard, input.spec);
      if (deps.storage) checkSameStorage(spec, deps.storage);
      let done = 0;
      const tally = await withKeepalive(
        (signal) =>
          runSync(
            { spec, shard: input.shard, tier: input.tier, share: input.share, signal },
            { blobs: deps.blobs, store: deps.store, provider: deps.providers.get(spec.provider, spec.account), prices: deps.prices, onProgress: (n) => (done = n) },
          ),
        () => ({ done }),
        { stallMs: deps.stallMs ?? STALL_BOUNDS_MS.sync },
      );
      recordShardCollected(tally, { provider: spec.provider, model: spec.model, tier: input.tier });
      const { shard } = input;
      log.info('shard sent', { jobId: shard.jobId, generation: shard.generation, round: shard.round, shard: shard.index, tier: input.tier, succeeded: tally.succeeded, failed: tally.failed, retryable: tally.retryable, cancelled: tally.cancelled, costUsd: tally.costUsd });
      return tally;
    },
  };
}
