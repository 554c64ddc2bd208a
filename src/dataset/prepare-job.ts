import type { BatchProvider } from '../providers/batch-provider';
import { BATCH_BYTES_MARGIN } from '../providers/provider-limits';
import type { ItemOutcome } from '../results/item-outcome';
import type { ResultStore } from '../results/result-store';
import { customIdOf, itemKeyOf, lineKey, requestKeyOf } from '../spec/ids';
import type { ResolvedJobSpec } from '../spec/job-spec';
import type { BlobStore } from '../storage/blob-store';
import { readDataset } from './dataset-reader';
import type { DatasetRow } from './dataset-row';
import { MissingFieldError } from './prompt-template';
import { createRequestRenderer, type RequestBuilders } from './request-renderer';
import { ShardWriter, type ShardEntry, type ShardLimits, type ShardRef } from './shard-writer';
import { countTokens, TokenEstimator } from './token-estimator';

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

/**
 * Streams the dataset once and turns it into shard files: renders and hashes each request, estimates its
 * tokens, answers what the store already holds for this task version, and records bad rows as failed
 * outcomes with their line and reason. Memory stays flat in the dataset's size. Idempotent: the same
 * dataset and spec give the same shards and outcomes, so a retried prepare overwrites with equal data.
 */
export async function prepareJob(
  spec: ResolvedJobSpec,
  generation: number,
  selection: Selection,
  deps: PrepareDeps,
): Promise<PrepareResult> {
  const { blobs, store, provider } = deps;
  const render = createRequestRenderer(spec, provider, deps.builders);
  const estimator = new TokenEstimator(spec.outputSchema ? countTokens(JSON.stringify(spec.outputSchema.schema)) : 0);
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

  try {
    for await (const rows of readDataset(spec.dataset, blobs)) {
      const outcomes: ItemOutcome[] = [];
      const entries: ShardEntry[] = [];
      for (const row of rows) {
        result.total++;
        if (selected && !selected.has(row.seq)) {
          result.untouched++;
          continue;
        }
        const made = toEntry(row);
        if ('problem' in made) {
          result.badRows++;
          outcomes.push(settled(row.seq, row.line, made.itemKey, null, 'failed', made.problem, undefined));
        } else entries.push(made);
      }
      const cached = useCache ? await store.findCached(entries.map((e) => e.requestKey)) : undefined;
      for (const entry of entries) {
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
      await store.upsertOutcomes(spec.jobId, spec.taskVersion, outcomes);
      deps.onProgress?.(result.total);
    }
    result.shards = await writer.finish();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  await store.upsertJob({ jobId: spec.jobId, generation, total: result.total, spec });
  return result;

  function toEntry(row: DatasetRow): ShardEntry | { problem: string; itemKey: string } {
    const where = `line ${row.line}`;
    if (row.error !== undefined) return { problem: `${where}: ${row.error}`, itemKey: lineKey(row.line) };
    const itemKey = itemKeyOf(row.row, spec.dataset.idField);
    if (itemKey === undefined) return { problem: `${where}: missing id field "${spec.dataset.idField}"`, itemKey: lineKey(row.line) };
    let rendered;
    try {
      rendered = render(row.row);
    } catch (err) {
      if (err instanceof MissingFieldError) return { problem: `${where}: ${err.message}`, itemKey };
      throw err;
    }
    const bodyJson = rendered.bodyJson;
    const text = provider.batchLine(customIdOf(row.seq, generation, 0), bodyJson, spec.endpoint) + '\n';
    const bytes = Buffer.byteLength(text);
    if (bytes > spec.limits.maxRequestBytes) {
      return { problem: `${where}: request is ${bytes} bytes, over limits.maxRequestBytes (${spec.limits.maxRequestBytes})`, itemKey };
    }
    return {
      seq: row.seq,
      line: row.line,
      itemKey,
      requestKey: requestKeyOf(spec.taskVersion, rendered.identity),
      text,
      bytes,
      estTokens: estimator.estimateRequest(rendered),
    };
  }
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
