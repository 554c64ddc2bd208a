import type { BatchProvider } from '../providers/batch-provider';
import type { ResultStore } from '../results/result-store';
import { customIdOf } from '../spec/ids';
import type { ResolvedJobSpec } from '../spec/job-spec';
import type { BlobStore } from '../storage/blob-store';
import { jobLayout } from '../storage/job-layout';
import { loadManifest } from './manifest';
import { readLineBatches } from './line-reader';
import { shardLimitsOf } from './prepare-job';
import { ShardWriter, type ShardRef } from './shard-writer';

export interface RoundPlan {
  round: number;
  queued: number;
  /** Of those, requests sent again with a correction hint (repair). */
  repaired: number;
  shards: ShardRef[];
}

/**
 * Builds round `round` from the items round `round - 1` left retryable: re-reads their requests from the
 * previous round's shard files (no dataset pass, no re-rendering), gives them this round's custom_ids,
 * appends a correction hint to requests whose answer broke the schema (when repair is on), and writes
 * smaller shards (retry.shrinkFactor of the largest previous shard) so a stubborn item holds up less work.
 * A previous shard whose files are gone from the blob store is left out: its items stay failed as they are.
 */
export async function planRound(
  spec: ResolvedJobSpec,
  generation: number,
  round: number,
  previous: readonly ShardRef[],
  deps: { blobs: BlobStore; store: ResultStore; provider: BatchProvider },
  maxRequestsPerShard = Infinity,
): Promise<RoundPlan> {
  const { blobs, store, provider } = deps;
  const retry = new Map((await store.retryable(spec.jobId, generation, round - 1)).map((r) => [r.seq, r]));
  const base = shardLimitsOf(spec, provider, maxRequestsPerShard);
  const largest = Math.max(1, ...previous.map((s) => s.requests));
  const limits = { ...base, maxRequests: Math.max(1, Math.min(base.maxRequests, Math.ceil(largest * spec.retry.shrinkFactor))) };
  const writer = new ShardWriter(blobs, { jobId: spec.jobId, generation, round }, limits);
  const plan: RoundPlan = { round, queued: 0, repaired: 0, shards: [] };
  if (retry.size === 0) return plan;

  for (const shard of previous) {
    const address = { jobId: spec.jobId, generation, round: round - 1, index: shard.index };
    // a shard file gone from the store (deleted, or a store not shared): its requests cannot be re-sent, so its
    // items keep the failure they have (a submit that found the file gone names its key); reprocess renders them again
    if (!(await blobs.exists(jobLayout.shardInput(address))) || !(await blobs.exists(jobLayout.shardManifest(address)))) continue;
    const manifest = await loadManifest(blobs, address);
    let at = 0;
    for await (const batch of readLineBatches(blobs.read(jobLayout.shardInput(address)))) {
      for (const text of batch.lines) {
        if (!text) continue;
        const entry = manifest[at++];
        if (!entry) throw new Error(`shard ${jobLayout.shardInput(address)} has more lines than its manifest`);
        const failed = retry.get(entry.seq);
        if (!failed) continue;
        let { body } = provider.parseBatchLine(text);
        if (failed.reason === 'invalid_output' && spec.retry.repair) {
          body = provider.withRepairHint(body, failed.message ?? 'the answer did not match the required schema', spec.endpoint);
          plan.repaired++;
        }
        const line = provider.batchLine(customIdOf(entry.seq, generation, round), JSON.stringify(body), spec.endpoint) + '\n';
        await writer.add({ seq: entry.seq, line: entry.line, estTokens: entry.estTokens, itemKey: entry.itemKey, requestKey: entry.requestKey, text: line, bytes: Buffer.byteLength(line) });
        plan.queued++;
      }
    }
  }
  plan.shards = await writer.finish();
  return plan;
}
