import { stat } from 'node:fs/promises';
import { readLineBatches } from '../dataset/line-reader';
import { loadManifest, type ManifestItem } from '../dataset/manifest';
import type { BatchProvider, BatchStatus } from '../providers/batch-provider';
import type { PriceTable } from '../report/price-table';
import { seqInRound } from '../spec/ids';
import type { ResolvedJobSpec } from '../spec/job-spec';
import type { BlobStore } from '../storage/blob-store';
import { jobLayout, type ShardAddress } from '../storage/job-layout';
import type { FailureReason, ItemOutcome, Tier } from './item-outcome';
import { defaultThreadCount, inOrder, leaseSharedPool, threadScript, wholeLineChunks } from '../threads/thread-pool';
import { classifyMissing, classifyResult, outcomeOf, type ClassifyContext } from './outcome-classifier';
import { OutputValidator } from './output-validator';
import { eachVerdict, type ReadResultChunk, type ResultChunkContext, type ResultChunkRequest } from './result-chunk';
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
  /**
   * Threads that read large result files (parse, join, validate) while this thread writes outcomes: how many
   * (default: defaultThreadCount(); 0 reads here) and from what file size (default 4 MiB). Only for providers
   * whose results a shared reader reads (`resultFormat`) and blobs with a local path.
   */
  threads?: { count?: number; minBytes?: number };
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
  /** Joins a line's item to this shard's manifest: undefined (a foreign line) when it names none, or one already read. */
  const take = (seq: number): ManifestItem | undefined => {
    const item = manifest.get(seq);
    if (item) manifest.delete(seq);
    else tally.foreignLines++;
    return item;
  };
  for (const key of [jobLayout.shardOutput(shard), jobLayout.shardErrors(shard)]) {
    if (!(await blobs.exists(key))) continue;
    const reading = await readingThreads(key, request, deps);
    if (reading) {
      try {
        for await (const read of reading.chunks) {
          linesRead += read.lines;
          tally.foreignLines += read.foreign;
          eachVerdict(read, (seq, verdict) => {
            const item = take(seq);
            if (item) pending.push(outcomeOf(item, verdict, ctx));
          });
          if (pending.length >= WRITE_EVERY) await flush();
          deps.onProgress?.(linesRead);
        }
      } finally {
        reading.release();
      }
      continue;
    }
    for await (const batch of readLineBatches(blobs.read(key))) {
      for (const text of batch.lines) {
        if (!text) continue;
        linesRead++;
        const result = provider.parseResultLine(text);
        const seq = seqInRound(result.customId, shard);
        if (seq === undefined) {
          tally.foreignLines++;
          continue;
        }
        const item = take(seq);
        if (item) pending.push(classifyResult(item, result, ctx));
      }
      if (pending.length >= WRITE_EVERY) await flush();
      deps.onProgress?.(linesRead);
    }
  }
  for (const item of manifest.values()) pending.push(classifyMissing(item, item.inputLine, status, ctx, request.note));
  await flush();
  return tally;
}

/**
 * A small young generation for result threads: what they allocate dies with each line, and idle they then hold
 * ~40 MB less each (200,000 items: the same speed, peak RSS ~290 MiB against 320-360).
 */
export const RESULT_THREAD_LIMITS = { maxYoungGenerationSizeMb: 4 };

/**
 * Reads a result file on the shared result threads (collect-thread.ts) when that pays and reads the same as
 * here: a local file of at least `minBytes`, from a provider whose results a shared reader reads. Chunks of
 * whole lines come back read, in order; `release` once done with them.
 */
async function readingThreads(key: string, request: CollectRequest, deps: CollectDeps): Promise<{ chunks: AsyncGenerator<ReadResultChunk>; release(): void } | undefined> {
  const count = deps.threads?.count ?? defaultThreadCount();
  const minBytes = deps.threads?.minBytes ?? 4 * 1024 * 1024;
  const format = deps.provider.resultFormat;
  const file = deps.blobs.localPath(key);
  const script = threadScript('results/collect-thread');
  if (count < 1 || !format || !file || !script) return undefined;
  const size = await stat(file).then((s) => s.size, () => 0);
  if (size < minBytes) return undefined;
  const { spec, shard } = request;
  const context: ResultChunkContext = { format, endpoint: spec.endpoint, outputSchema: spec.outputSchema, generation: shard.generation, round: shard.round };
  const lease = leaseSharedPool<ResultChunkRequest, ReadResultChunk>(script, count, { resourceLimits: RESULT_THREAD_LIMITS });
  const read = (chunk: Uint8Array) => lease.pool.run({ context, chunk }, [chunk.buffer as ArrayBuffer]);
  return { chunks: inOrder(wholeLineChunks(deps.blobs.read(key)), read, count * 2), release: () => lease.release() };
}
