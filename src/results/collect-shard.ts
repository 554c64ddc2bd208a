import { readLineBatches } from '../dataset/line-reader';
import { loadManifest } from '../dataset/manifest';
import type { BatchProvider, BatchStatus } from '../providers/batch-provider';
import type { PriceTable } from '../report/price-table';
import { parseCustomId } from '../spec/ids';
import type { ResolvedJobSpec } from '../spec/job-spec';
import type { BlobStore } from '../storage/blob-store';
import { jobLayout, type ShardAddress } from '../storage/job-layout';
import type { FailureReason, ItemOutcome, Tier } from './item-outcome';
import { classifyMissing, classifyResult, type ClassifyContext } from './outcome-classifier';
import { OutputValidator } from './output-validator';
import type { ResultStore } from './result-store';
import { countOutcome, emptyTally, type ShardTally } from './shard-tally';

/** Outcomes per write (one transaction): large enough to keep commits cheap. */
const WRITE_EVERY = 10_000;

export interface CollectDeps {
  blobs: BlobStore;
  store: ResultStore;
  provider: BatchProvider;
  prices: PriceTable;
  onProgress?: (linesRead: number) => void;
}

export interface CollectRequest {
  spec: ResolvedJobSpec;
  shard: ShardAddress;
  /** How the batch ended; undefined when it was never created (then `note` says why). */
  status: BatchStatus | undefined;
  note?: string;
  tier?: Tier;
  jobCancelled?: boolean;
  /** Reasons retried even if the spec's retryOn leaves them out. */
  retryAlso?: readonly FailureReason[];
}

/** Copies the provider's output and error files into our storage, unless a previous attempt already did. */
export async function downloadOnce(blobs: BlobStore, provider: BatchProvider, shard: ShardAddress, status: BatchStatus): Promise<void> {
  const outputKey = jobLayout.shardOutput(shard);
  if (await blobs.exists(outputKey)) return;
  const errors = blobs.createWriter(jobLayout.shardErrors(shard));
  const output = blobs.createWriter(outputKey);
  try {
    await provider.download(status, { output, errors });
    await errors.close();
    await output.close(); // the output file appears last: its presence means both are complete
  } catch (err) {
    await output.abort();
    await errors.abort();
    throw err;
  }
}

/**
 * Collects one ended batch: downloads its files into our storage first (provider retention is short), then
 * parses every line, joins it to its item through the custom_id, validates the answer, and upserts one
 * outcome per item of the shard, including items the batch returned nothing for. Idempotent: collecting
 * the same shard twice writes the same outcomes, which the store ignores.
 */
export async function collectShard(request: CollectRequest, deps: CollectDeps): Promise<ShardTally> {
  const { spec, shard, status } = request;
  const { blobs, store, provider } = deps;
  if (status && (status.outputRef || status.errorRef)) await downloadOnce(blobs, provider, shard, status);
  const manifest = new Map((await loadManifest(blobs, shard)).map((item) => [item.seq, item]));
  const ctx: ClassifyContext = {
    provider,
    validator: new OutputValidator(spec.outputSchema),
    prices: deps.prices,
    model: spec.model,
    endpoint: spec.endpoint,
    retryOn: new Set([...spec.retry.retryOn, ...(request.retryAlso ?? [])]),
    generation: shard.generation,
    round: shard.round,
    tier: request.tier ?? 'batch',
    jobCancelled: request.jobCancelled ?? false,
  };
  const tally = emptyTally();
  tally.requests = manifest.size;
  let pending: ItemOutcome[] = [];
  const flush = async () => {
    for (const outcome of pending) countOutcome(tally, outcome);
    await store.upsertOutcomes(spec.jobId, spec.taskVersion, pending);
    pending = [];
  };

  let linesRead = 0;
  for (const key of [jobLayout.shardOutput(shard), jobLayout.shardErrors(shard)]) {
    if (!(await blobs.exists(key))) continue;
    for await (const batch of readLineBatches(blobs.read(key))) {
      for (const text of batch.lines) {
        if (!text) continue;
        linesRead++;
        const result = provider.parseResultLine(text);
        const id = parseCustomId(result.customId);
        const item = id && id.generation === shard.generation && id.round === shard.round ? manifest.get(id.seq) : undefined;
        if (!item) {
          tally.foreignLines++;
          continue;
        }
        manifest.delete(id!.seq);
        pending.push(classifyResult(item, result, ctx));
      }
      if (pending.length >= WRITE_EVERY) await flush();
      deps.onProgress?.(linesRead);
    }
  }
  for (const item of manifest.values()) pending.push(classifyMissing(item, item.inputLine, status, ctx, request.note));
  await flush();
  return tally;
}
