import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { readLineBatches } from '../dataset/line-reader';
import { loadManifest, type ManifestItem } from '../dataset/manifest';
import type { BatchProvider } from '../providers/batch-provider';
import { ProviderError } from '../providers/provider-error';
import type { PriceTable } from '../report/price-table';
import type { ItemOutcome } from '../results/item-outcome';
import type { ItemErrorKind } from '../results/item-result';
import { classifyResult, failure, type ClassifyContext } from '../results/outcome-classifier';
import { OutputValidator } from '../results/output-validator';
import type { ResultStore } from '../results/result-store';
import { countOutcome, emptyTally, type ShardTally } from '../results/shard-tally';
import type { ResolvedJobSpec } from '../spec/job-spec';
import type { BlobStore } from '../storage/blob-store';
import { jobLayout, type ShardAddress } from '../storage/job-layout';
import { RateLimiter } from './rate-limiter';
import type { SyncTier } from '../contracts/tiers';

export type { SyncTier } from '../contracts/tiers';

export interface SyncShardRequest {
  spec: ResolvedJobSpec;
  shard: ShardAddress;
  tier: SyncTier;
  /** This shard's share of the job's rate limits (1 / shards in flight). */
  share: number;
  signal?: AbortSignal;
}

export interface SyncShardDeps {
  blobs: BlobStore;
  store: ResultStore;
  provider: BatchProvider;
  prices: PriceTable;
  onProgress?: (done: number) => void;
}

const FLUSH_EVERY = 25;
const FLUSH_MS = 250;

/**
 * Sends one shard's requests synchronously on the realtime or flex tier: bounded concurrency, requests- and
 * tokens-per-minute limits, Retry-After honoured for every sender, flex capacity errors backed off and (if the
 * spec allows) sent at the standard tier instead. Outcomes are written as they come, so a retried activity
 * resumes where the last one stopped and never resends what already has a result. What still fails after
 * `realtime.maxAttempts` is left retryable for the next round.
 */
export async function runSyncShard(request: SyncShardRequest, deps: SyncShardDeps): Promise<ShardTally> {
  const { spec, shard, tier } = request;
  const { store, provider } = deps;
  const manifest = await loadManifest(deps.blobs, shard);
  const ours = new Set(manifest.map((m) => m.seq));
  const outcomesSoFar = async () => {
    if (ours.size === 0) return [];
    const seqs = [...ours];
    const found = await store.outcomesAt(spec.jobId, shard.generation, shard.round, Math.min(...seqs), Math.max(...seqs));
    return found.filter((o) => ours.has(o.seq));
  };
  // a retried activity resumes: what already has an outcome from this attempt is not sent again
  const done = new Set((await outcomesSoFar()).map((o) => o.seq));
  const limiter = new RateLimiter(spec.realtime.requestsPerMinute * request.share, spec.realtime.tokensPerMinute * request.share);
  // every request in flight listens to the activity's cancellation (the SDK call, the limiter, a backoff)
  if (request.signal) setMaxListeners(Math.max(10, spec.realtime.concurrency * 8 + 16), request.signal);
  const validator = new OutputValidator(spec.outputSchema);
  const context = (itemTier: SyncTier): ClassifyContext => ({
    provider, validator, prices: deps.prices, model: spec.model, endpoint: spec.endpoint, retryOn: new Set(spec.retry.retryOn),
    generation: shard.generation, round: shard.round, tier: itemTier, jobCancelled: false,
  });
  const contexts = { flex: context('flex'), realtime: context('realtime') };
  let pending: ItemOutcome[] = [];
  let lastFlush = Date.now();
  let settled = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    lastFlush = Date.now();
    await store.upsertOutcomes(spec.jobId, spec.taskVersion, batch, spec.model);
    deps.onProgress?.(settled);
  };
  const record = async (outcome: ItemOutcome) => {
    pending.push(outcome);
    settled++;
    if (pending.length >= FLUSH_EVERY || Date.now() - lastFlush >= FLUSH_MS) await flush();
  };

  const send = async (line: string, item: ManifestItem) => {
    const { customId, body } = provider.parseBatchLine(line);
    let itemTier: SyncTier = tier;
    let last: { kind: ItemErrorKind; message: string } = { kind: 'server_error', message: 'not sent' };
    for (let attempt = 1; attempt <= spec.realtime.maxAttempts; attempt++) {
      await limiter.acquire(item.estTokens, request.signal);
      try {
        const result = await provider.sendSync({ customId, body, endpoint: spec.endpoint, tier: itemTier === 'flex' ? 'flex' : 'standard', ...(request.signal ? { signal: request.signal } : {}) });
        return record(classifyResult(item, result, contexts[itemTier]));
      } catch (err) {
        if (!(err instanceof ProviderError) || !err.retryable) throw err;
        last = { kind: err.kind === 'rate_limited' || err.kind === 'unavailable' ? 'rate_limited' : 'server_error', message: err.message };
        const wait = err.details.retryAfterMs ?? Math.min(30_000, 500 * 2 ** (attempt - 1));
        if (err.kind === 'rate_limited') limiter.pauseFor(wait);
        if (err.kind === 'unavailable' && itemTier === 'flex' && spec.realtime.flexFallbackToStandard && attempt >= 2) itemTier = 'realtime';
        else if (attempt < spec.realtime.maxAttempts) await sleep(wait, undefined, { signal: request.signal });
      }
    }
    return record(failure(item, contexts[itemTier], last.kind, `${spec.realtime.maxAttempts} attempts: ${last.message}`));
  };

  const inFlight = new Set<Promise<void>>();
  let index = 0;
  try {
    for await (const batch of readLineBatches(deps.blobs.read(jobLayout.shardInput(shard)))) {
      for (const line of batch.lines) {
        if (!line) continue;
        const entry = manifest[index++];
        if (!entry) throw new Error(`shard ${jobLayout.shardInput(shard)} has more lines than its manifest`);
        if (done.has(entry.seq)) continue;
        const task: Promise<void> = send(line, entry).finally(() => inFlight.delete(task));
        inFlight.add(task);
        if (inFlight.size >= spec.realtime.concurrency) await Promise.race(inFlight);
      }
    }
    await Promise.all(inFlight);
  } finally {
    await Promise.allSettled(inFlight);
    await flush();
  }
  // the shard's tally, including what earlier attempts of this activity settled
  const tally = emptyTally();
  tally.requests = manifest.length;
  for (const outcome of await outcomesSoFar()) countOutcome(tally, outcome);
  return tally;
}
