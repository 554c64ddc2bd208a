import type { BatchProvider } from '../providers/batch-provider';
import { BATCH_BYTES_MARGIN } from '../providers/provider-limits';
import type { ItemOutcome } from '../results/item-outcome';
import type { ResultStore } from '../results/result-store';
import { customIdOf, requestKeyOf } from '../spec/ids';
import type { ResolvedJobSpec } from '../spec/job-spec';
import type { BlobStore } from '../storage/blob-store';
import { InvalidSpecError } from '../spec/spec-errors';
import { defaultThreadCount, inOrder, leaseSharedPool, threadScript } from '../threads/thread-pool';
import { datasetSize, noItemsMessage, readDataset, readDatasetLineChunks } from './dataset-reader';
import { countLines, type ChunkContext, type LinePieces, type RenderedChunk, type RenderRequest } from './render-chunk';
import { createRequestRenderer, type RequestBuilders, type RequestRenderer } from './request-renderer';
import { overSizeProblem, rowRequest } from './row-request';
import { ShardWriter, type ShardEntry, type ShardLimits, type ShardRef } from './shard-writer';
import { TimeSlice } from './time-slice';
import { countTokensOffThread } from './token-counts';
import { countable, SAMPLE_SIZE, TokenEstimator } from './token-estimator';

/** Which items a generation takes: all of them (a first run, or reprocess all) or only those that failed. */
export type Selection = 'all' | 'failed';

export interface PrepareResult {
  /** Items in the dataset. */
  total: number;
  /** Items written into shards for this generation. */
  queued: number;
  /** Rows that could not become requests (failed permanently, with line and reason). */
  badRows: number;
  /** Items answered from the result store (same task version, same request). */
  cached: number;
  /** Items this generation leaves as they were (reprocess of failed items only). */
  untouched: number;
  estTokens: number;
  shards: ShardRef[];
  /** Threads that rendered the requests (0: rendered row by row on the caller's thread). */
  renderThreads?: number;
}

export interface PrepareDeps {
  blobs: BlobStore;
  store: ResultStore;
  provider: BatchProvider;
  builders?: RequestBuilders;
  /** Called every few thousand rows (activities heartbeat with it). */
  onProgress?: (rowsRead: number) => void;
  /** Requests per shard at most (smaller shards for the synchronous tiers). */
  maxRequestsPerShard?: number;
  /**
   * Render threads for large JSONL datasets: how many (default: defaultThreadCount(); 0 renders on the
   * caller's thread) and from what file size (default 8 MiB).
   */
  threads?: { count?: number; minBytes?: number };
}

/**
 * The shard limits for a spec on a provider: the spec's own, within the provider's per-file maximums, and at
 * most `maxRequests` when the caller asks for smaller shards (synchronous tiers send shards in chunks).
 */
export function shardLimitsOf(spec: ResolvedJobSpec, provider: BatchProvider, maxRequests = Infinity): ShardLimits {
  const providerBytes = Math.floor(provider.limits.maxBytesPerBatch * BATCH_BYTES_MARGIN);
  return {
    maxRequests: Math.min(spec.limits.maxRequestsPerShard ?? Infinity, provider.limits.maxRequestsPerBatch, maxRequests),
    maxBytes: Math.min(spec.limits.maxBytesPerShard ?? Infinity, providerBytes),
    ...(spec.limits.maxTokensPerShard ? { maxTokens: spec.limits.maxTokensPerShard } : {}),
  };
}

/** What one read of rows (or one rendered chunk) adds: settled bad rows and requests for the shards. */
interface PreparedBatch {
  rows: number;
  untouched: number;
  bad: ItemOutcome[];
  entries: ShardEntry[];
  /** A rendered chunk whose requests all go to the shards as they are (then `entries` is empty). */
  whole?: { chunk: RenderedChunk; requests: number; estTokens: number };
}

/**
 * Streams the dataset once and turns it into shard files: renders and hashes each request, estimates its
 * tokens, answers what the store already holds for this task version, and records bad rows as failed
 * outcomes with their line and reason. Memory stays flat in the dataset's size. Large JSONL datasets with a
 * prompt template are rendered on threads (see render-chunk.ts) into the same bytes as rendering row by row.
 * Work on this thread gives the event loop a turn every few tens of milliseconds (heartbeats go on).
 * Idempotent: the same dataset and spec give the same shards and outcomes, so a retried prepare overwrites
 * with equal data.
 * @throws InvalidSpecError (on `dataset.path`) when generation 0 finds no items; DatasetNotFoundError.
 */
export async function prepareJob(
  spec: ResolvedJobSpec,
  generation: number,
  selection: Selection,
  deps: PrepareDeps,
): Promise<PrepareResult> {
  const { blobs, store, provider } = deps;
  const render = createRequestRenderer(spec, provider, deps.builders);
  const estimator = await calibratedEstimator(spec, blobs, render);
  const writer = new ShardWriter(blobs, { jobId: spec.jobId, generation, round: 0 }, shardLimitsOf(spec, provider, deps.maxRequestsPerShard));
  const useCache = spec.reuseCachedAnswers && (await store.hasAnswersFor(spec.taskVersion));
  const selected = selection === 'failed' ? new SeqCursor(await store.seqsInStates(spec.jobId, ['failed', 'cancelled'])) : undefined;
  const result: PrepareResult = { total: 0, queued: 0, badRows: 0, cached: 0, untouched: 0, estTokens: 0, shards: [] };
  /** A bad row (failed) or a cache hit, settled at prepare time. */
  const settled = (seq: number, line: number, itemKey: string, requestKey: string | null, state: 'failed' | 'cached', problem: string | null, output: unknown): ItemOutcome => ({
    seq, line, itemKey, requestKey, state,
    reason: state === 'failed' ? 'bad_row' : null,
    message: problem,
    generation, round: 0,
    tier: state === 'cached' ? 'cache' : 'none',
    output, tokensIn: 0, tokensOut: 0, costUsd: 0,
  });
  const badRow = (seq: number, line: number, itemKey: string, problem: string) => settled(seq, line, itemKey, null, 'failed', problem, undefined);
  const tooBig = (line: number, bytes: number) => overSizeProblem(line, bytes, spec.limits.maxRequestBytes);

  /** Row by row on this thread: any dataset, any prompt. */
  async function* renderHere(): AsyncGenerator<PreparedBatch> {
    const slice = new TimeSlice();
    for await (const rows of readDataset(spec.dataset, blobs)) {
      const batch: PreparedBatch = { rows: rows.length, untouched: 0, bad: [], entries: [] };
      for (const row of rows) {
        if (slice.spent()) await slice.pause();
        if (selected && !selected.has(row.seq)) {
          batch.untouched++;
          continue;
        }
        const made = rowRequest(row, spec.dataset.idField, render);
        if (made.problem !== undefined) {
          batch.bad.push(badRow(row.seq, row.line, made.itemKey, made.problem));
          continue;
        }
        const text = provider.batchLine(customIdOf(row.seq, generation, 0), made.rendered.bodyJson, spec.endpoint) + '\n';
        const bytes = Buffer.byteLength(text);
        const over = tooBig(row.line, bytes);
        if (over) {
          batch.bad.push(badRow(row.seq, row.line, made.itemKey, over));
          continue;
        }
        const requestKey = requestKeyOf(spec.taskVersion, made.rendered.identity);
        batch.entries.push({ seq: row.seq, line: row.line, itemKey: made.itemKey, requestKey, text, bytes, estTokens: estimator.estimateRequest(made.rendered) });
      }
      yield batch;
    }
  }

  /**
   * Chunks rendered on threads, taken in order. A chunk goes to the shards whole (in slices cut at shard
   * boundaries) unless items must be picked one by one: a reprocess of failed items, or cached answers.
   */
  async function* renderOnThreads(threads: ThreadedRendering): AsyncGenerator<PreparedBatch> {
    for await (const chunk of threads.chunks) {
      const batch: PreparedBatch = { rows: chunk.items, untouched: 0, bad: [], entries: [] };
      const firstSeq = chunk.firstSeq;
      let requests = 0;
      let estTokens = 0;
      for (let i = 0; i < chunk.items; i++) {
        const seq = firstSeq + i;
        if (selected && !selected.has(seq)) {
          batch.untouched++;
          continue;
        }
        const problem = chunk.problems[i];
        if (problem) {
          batch.bad.push(badRow(seq, chunk.lines[i]!, chunk.itemKeys[i]!, problem));
          continue;
        }
        if (selected || useCache) {
          const start = i > 0 ? chunk.dataEnds[i - 1]! : 0;
          const text = chunk.data.subarray(start, chunk.dataEnds[i]!);
          batch.entries.push({ seq, line: chunk.lines[i]!, itemKey: chunk.itemKeys[i]!, requestKey: chunk.requestKeys[i]!, text: [text], bytes: text.byteLength, estTokens: chunk.estTokens[i]! });
        } else {
          requests++;
          estTokens += chunk.estTokens[i]!;
        }
      }
      if (!selected && !useCache) batch.whole = { chunk, requests, estTokens };
      yield batch;
    }
  }

  const threads = await startThreads(spec, provider, render, estimator, deps, generation);
  result.renderThreads = threads?.count ?? 0;
  try {
    for await (const batch of threads ? renderOnThreads(threads) : renderHere()) {
      result.total += batch.rows;
      result.untouched += batch.untouched;
      result.badRows += batch.bad.length;
      if (batch.whole) {
        result.queued += batch.whole.requests;
        result.estTokens += batch.whole.estTokens;
        await writer.addChunk(batch.whole.chunk);
      }
      const outcomes = batch.bad;
      const cached = useCache ? await store.findCached(batch.entries.map((e) => e.requestKey)) : undefined;
      for (const entry of batch.entries) {
        const hit = cached?.get(entry.requestKey);
        if (hit) {
          result.cached++;
          outcomes.push(settled(entry.seq, entry.line, entry.itemKey, entry.requestKey, 'cached', null, hit.output));
          continue;
        }
        result.queued++;
        result.estTokens += entry.estTokens;
        const flushing = writer.add(entry);
        if (flushing) await flushing;
      }
      await store.upsertOutcomes(spec.jobId, spec.taskVersion, outcomes, spec.model);
      deps.onProgress?.(result.total);
    }
    if (generation === 0 && result.total === 0) throw new InvalidSpecError([{ path: 'dataset.path', message: noItemsMessage(spec.dataset.path) }]);
    result.shards = await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  } finally {
    await threads?.close();
  }
  await store.upsertJob({ jobId: spec.jobId, generation, total: result.total, spec });
  return result;
}

/**
 * An estimator that learned this dataset's tokens per character from its first requests, counted exactly,
 * so every request after is estimated the same way whichever thread renders it. The first CALIBRATION_ROWS
 * rows give the samples (fewer when rows are bad or too long to count, or the dataset is small); they and
 * the output schema are counted in one go on the token thread (countTokensOffThread).
 */
async function calibratedEstimator(spec: ResolvedJobSpec, blobs: BlobStore, render: RequestRenderer): Promise<TokenEstimator> {
  const schemaText = spec.outputSchema ? JSON.stringify(spec.outputSchema.schema) : undefined;
  const samples = await sampleRequests(spec, blobs, render);
  const counts = await countTokensOffThread([...(schemaText === undefined ? [] : [schemaText]), ...samples.flatMap((sample) => sample.texts)]);
  let at = 0;
  const estimator = new TokenEstimator(schemaText === undefined ? 0 : counts[at++]!);
  for (const sample of samples) {
    let tokens = 0;
    for (const _text of sample.texts) tokens += counts[at++]!;
    estimator.addSample(sample.promptChars, tokens);
  }
  estimator.endCalibration();
  return estimator;
}

/** Up to SAMPLE_SIZE rendered requests short enough to count exactly (`countable`), from the first CALIBRATION_ROWS rows. */
async function sampleRequests(spec: ResolvedJobSpec, blobs: BlobStore, render: RequestRenderer): Promise<Array<{ promptChars: number; texts: readonly string[] }>> {
  const slice = new TimeSlice();
  const samples: Array<{ promptChars: number; texts: readonly string[] }> = [];
  let rows = 0;
  for await (const batch of readDataset(spec.dataset, blobs)) {
    for (const row of batch) {
      const made = rowRequest(row, spec.dataset.idField, render);
      if (made.rendered && countable(made.rendered.promptChars)) {
        samples.push({ promptChars: made.rendered.promptChars, texts: made.rendered.texts() });
        if (samples.length >= SAMPLE_SIZE) return samples;
      }
      if (++rows >= CALIBRATION_ROWS) return samples;
      if (slice.spent()) await slice.pause();
    }
  }
  return samples;
}

const CALIBRATION_ROWS = 2_000;

interface ThreadedRendering {
  count: number;
  chunks: AsyncGenerator<RenderedChunk>;
  close(): Promise<void>;
}

/**
 * Starts render threads when they pay and the output is sure to match rendering row by row: a local JSONL
 * file of at least `minBytes`, a prompt template whose compiled body was checked on a row, an estimator done
 * sampling, and a batch line the provider builds by joining its custom_id and body.
 */
async function startThreads(
  spec: ResolvedJobSpec,
  provider: BatchProvider,
  render: RequestRenderer,
  estimator: TokenEstimator,
  deps: PrepareDeps,
  generation: number,
): Promise<ThreadedRendering | undefined> {
  const count = deps.threads?.count ?? defaultThreadCount();
  const minBytes = deps.threads?.minBytes ?? 8 * 1024 * 1024;
  const plan = render.verifiedPlan();
  const script = threadScript('dataset/render-thread');
  if (count < 1 || !plan || !script || !estimator.calibrated || spec.dataset.format !== 'jsonl') return undefined;
  const size = await datasetSize(spec.dataset, deps.blobs);
  if (size < minBytes) return undefined;
  const line = linePieces(provider, spec, generation);
  if (!line) return undefined;
  const context: ChunkContext = {
    plan,
    line,
    idField: spec.dataset.idField,
    taskVersion: spec.taskVersion,
    generation,
    maxRequestBytes: spec.limits.maxRequestBytes,
    tokens: { ratio: estimator.ratio(), fixedTokens: estimator.fixed },
  };
  const lease = leaseSharedPool<RenderRequest, RenderedChunk>(script, count);
  let nextLine = 1;
  let nextSeq = 0;
  const renderOnPool = (lines: Buffer) => {
    // a copy the thread can own: the lines may share memory with the read buffers
    const chunk = new Uint8Array(lines);
    const request: RenderRequest = { context, chunk, firstLine: nextLine, firstSeq: nextSeq };
    const counted = countLines(chunk);
    nextLine += counted.breaks;
    nextSeq += counted.items;
    return lease.pool.run(request, [chunk.buffer as ArrayBuffer]);
  };
  return {
    count,
    // the dataset is closed when the chunks are (the loop over them ends or throws)
    chunks: inOrder(readDatasetLineChunks(spec.dataset, deps.blobs), renderOnPool, count * 2),
    close: async () => lease.release(),
  };
}

const ID_MARK = '\uF8FFid\uF8FF';
const BODY_MARK = '\uF8FFbody\uF8FF';

/** The provider's batch line around its two variable parts, checked against a real line; undefined if it is not a join. */
function linePieces(provider: BatchProvider, spec: ResolvedJobSpec, generation: number): LinePieces | undefined {
  const marked = provider.batchLine(ID_MARK, BODY_MARK, spec.endpoint);
  const id = marked.indexOf(ID_MARK);
  const body = marked.indexOf(BODY_MARK);
  if (id < 0 || body < id || marked.indexOf(ID_MARK, id + 1) >= 0 || marked.indexOf(BODY_MARK, body + 1) >= 0) return undefined;
  const pieces = { head: marked.slice(0, id), middle: marked.slice(id + ID_MARK.length, body), tail: marked.slice(body + BODY_MARK.length) + '\n' };
  const sampleId = customIdOf(0, generation, 0);
  const sampleBody = '{"a":"\u00e9"}';
  if (provider.batchLine(sampleId, sampleBody, spec.endpoint) + '\n' !== pieces.head + sampleId + pieces.middle + sampleBody + pieces.tail) return undefined;
  return pieces;
}

/** Membership in an ascending list of seqs, asked in ascending order: O(1) memory beyond the list itself. */
class SeqCursor {
  private at = 0;
  constructor(private readonly seqs: number[]) {}
  has(seq: number): boolean {
    while (this.at < this.seqs.length && this.seqs[this.at]! < seq) this.at++;
    return this.seqs[this.at] === seq;
  }
}
