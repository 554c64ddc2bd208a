import { lineChunks, readLineBatches, type LineBatch } from '../dataset/line-reader';
import { loadManifest } from '../dataset/manifest';
import type { BatchProvider, BatchStatus } from '../providers/batch-provider';
import type { PriceTable } from '../report/price-table';
import type { ResolvedJobSpec } from '../spec/job-spec';
import { BlobNotFoundError, type BlobStore } from '../storage/blob-store';
import { jobLayout, type ShardAddress } from '../storage/job-layout';
import type { FailureReason, Tier } from './item-outcome';
import { defaultThreadCount, inOrder, leaseSharedPool, threadScript } from '../threads/thread-pool';
import { readLineInto, type LineContext, type LineSink } from './line-verdict';
import { malformedVerdict, verdictHash, type ClassifyContext } from './outcome-classifier';
import { OutputValidator } from './output-validator';
import { eachVerdict, type ReadResultChunk, type ResultChunkContext, type ResultChunkRequest } from './result-chunk';
import type { ResultStore } from './result-store';
import { OutcomeWrites } from './outcome-writes';
import { ShardOutcomes } from './shard-outcomes';
import type { ShardTally } from './shard-tally';

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
   * whose results a shared reader reads (`resultFormat`).
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
 * reads every line (readLineInto), joins it to its item through the custom_id, validates the answer, and upserts
 * one outcome per item of the shard, including items the batch returned nothing for (ShardOutcomes). A line that
 * cannot be read fails only the item its text names (`malformed_result`), or is only counted; a second line for
 * an item is ignored when it says the same, and marks the item `conflicting_results` when it does not. Never
 * throws for a bad line. Idempotent: collecting the same shard twice ends with the same stored outcomes.
 * @throws BlobNotFoundError when the shard's manifest is gone, unless `status` is undefined (then nothing is recorded).
 */
export async function collectShard(request: CollectRequest, deps: CollectDeps): Promise<ShardTally> {
  const { spec, shard, status } = request;
  const { blobs, store, provider } = deps;
  if (status && (status.outputRef || status.errorRef)) await downloadOnce(blobs, provider, shard, status);
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
  const manifest = await loadManifest(blobs, shard).catch((err: unknown) => {
    // settling a shard that never got to collect (its workflow failed), whose manifest is gone: nothing can tell its
    // items apart any more, so nothing is recorded here and the job's finalize fails them as without an outcome
    if (!status && err instanceof BlobNotFoundError) return [];
    throw err;
  });
  const outcomes = new ShardOutcomes(manifest, ctx);
  // writes run while the next lines are read, two at a time (OutcomeWrites)
  const writes = new OutcomeWrites((taken) => store.upsertOutcomes(spec.jobId, spec.taskVersion, taken, spec.model));
  const flush = async () => {
    const { outcomes: taken, repeats } = outcomes.take();
    await writes.add(taken, repeats);
  };
  let linesRead = 0;
  const step = async (lines: number) => {
    linesRead += lines;
    if (outcomes.pendingCount >= WRITE_EVERY) await flush();
    deps.onProgress?.(linesRead);
  };
  for (const [key, file] of [[jobLayout.shardOutput(shard), 'output file'], [jobLayout.shardErrors(shard), 'error file']] as const) {
    if (!(await blobs.exists(key))) continue;
    const reading = await readingThreads(key, request, deps);
    if (!reading) {
      const at: LineContext = { reader: provider, validator: ctx.validator, endpoint: spec.endpoint, generation: shard.generation, round: shard.round };
      await readHere(readLineBatches(blobs.read(key)), at, lineByLine(outcomes, file), step);
      continue;
    }
    try {
      await readOnThreads(reading.chunks, file, outcomes, step);
    } finally {
      reading.release();
    }
  }
  outcomes.settleUnmet(status, request.note);
  await flush();
  await writes.finish();
  return outcomes.tally;
}

/** Reads a file's lines here, into `sink`; `step` after each batch of lines, with how many were read. */
async function readHere(batches: AsyncIterable<LineBatch>, at: LineContext, sink: LineSink & { line: number }, step: (lines: number) => Promise<void>): Promise<void> {
  for await (const batch of batches) {
    let read = 0;
    for (let i = 0; i < batch.lines.length; i++) {
      const text = batch.lines[i]!;
      if (!text) continue;
      read++;
      sink.line = batch.firstLine + i;
      readLineInto(text, at, sink);
    }
    await step(read);
  }
}

/** Takes a file's chunks as result threads read them into the shard's outcomes; `step` after each, as readHere. */
async function readOnThreads(chunks: AsyncIterable<ReadResultChunk>, file: string, outcomes: ShardOutcomes, step: (lines: number) => Promise<void>): Promise<void> {
  let firstLine = 1;
  for await (const read of chunks) {
    outcomes.foreign(read.foreign);
    outcomes.malformed(read.malformed);
    eachVerdict(read, { file, firstLine }, (seq, verdict, hash, line) => outcomes.line(seq, verdict, hash, file, line));
    firstLine += read.span;
    await step(read.lines);
  }
}

/**
 * Where lines read on this thread go: straight to the shard's outcomes, as result threads' chunks do through
 * eachVerdict (an unreadable line whose item is known becomes its malformedVerdict here, named by `line`).
 */
function lineByLine(outcomes: ShardOutcomes, file: string): LineSink & { line: number } {
  return {
    line: 0,
    foreign: () => outcomes.foreign(1),
    unreadable(seq, error) {
      outcomes.malformed(1);
      if (seq === undefined) return;
      const verdict = malformedVerdict(file, this.line, error);
      outcomes.line(seq, verdict, verdictHash(verdict), file, this.line);
    },
    verdict(seq, verdict, hash) {
      outcomes.line(seq, verdict, hash, file, this.line);
    },
  };
}

/**
 * Reads a result file on the shared result threads (collect-thread.ts) when that pays and reads the same as
 * here: a file of at least `minBytes` (in any blob store), from a provider whose results a shared reader reads. Chunks of
 * whole lines come back read, in order; `release` once done with them.
 */
async function readingThreads(key: string, request: CollectRequest, deps: CollectDeps): Promise<{ chunks: AsyncGenerator<ReadResultChunk>; release(): void } | undefined> {
  const count = deps.threads?.count ?? defaultThreadCount();
  const minBytes = deps.threads?.minBytes ?? 4 * 1024 * 1024;
  const format = deps.provider.resultFormat;
  const script = threadScript('results/collect-thread');
  if (count < 1 || !format || !script) return undefined;
  if (((await deps.blobs.size(key)) ?? 0) < minBytes) return undefined;
  const { spec, shard } = request;
  const context: ResultChunkContext = { format, endpoint: spec.endpoint, outputSchema: spec.outputSchema, generation: shard.generation, round: shard.round };
  const lease = leaseSharedPool<ResultChunkRequest, ReadResultChunk>(script, count);
  const read = (lines: Buffer) => {
    const chunk = new Uint8Array(lines); // a copy the thread can own: the lines may share memory with the read buffers
    return lease.pool.run({ context, chunk }, [chunk.buffer as ArrayBuffer]);
  };
  // cut by the same lineChunks as readLineBatches line by line, so both drop a leading byte order mark alike
  return { chunks: inOrder(lineChunks(deps.blobs.read(key)), read, count * 2), release: () => lease.release() };
}
