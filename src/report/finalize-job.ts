import path from 'node:path';
import { DatasetNotFoundError, readDataset } from '../dataset/dataset-reader';
import { SETTLING_ROUND, parsedOutcome, type ItemOutcome, type StoredOutcome } from '../results/item-outcome';
import { CSV_COLUMNS, resultLineJson, toCsvRow, toResultLine } from '../results/result-line';
import type { OutcomeCounts, ResultStore, StrayBatch } from '../results/result-store';
import { itemKeyOf, lineKey } from '../spec/ids';
import type { ResolvedJobSpec } from '../spec/job-spec';
import type { BlobStore, BlobWriter } from '../storage/blob-store';
import { jobLayout } from '../storage/job-layout';
import { LocalBlobStore } from '../storage/local-blob-store';
import type { JobReport, PhaseTimings, ResultLineCounts, ShardTiming, StrayBatchCounts } from './job-report';
import { realtimeComparison } from './model-costs';
import type { PriceTable } from './price-table';
import { readEarlierReports } from './stored-report';
import { renderReportHtml } from './report-html';

export interface FinalizeRequest {
  spec: ResolvedJobSpec;
  generation: number;
  cancelled: boolean;
  /** Why the job was cancelled, as the cancel request said (absent when it gave none, and in runs from before). */
  cancelReason?: string;
  rounds: number;
  shards: number;
  timings: PhaseTimings;
  shardTimings?: ShardTiming[];
  startedAt: string;
  /** Result lines collect read around, summed from the shards' tallies (absent in runs from before). */
  resultLines?: ResultLineCounts;
}

export interface FinalizeDeps {
  blobs: BlobStore;
  store: ResultStore;
  prices: PriceTable;
  now?: () => Date;
  onProgress?: (items: number) => void;
  /** Requests the job's stray batches completed (billed) before their cancel took, from the provider; null if unknown. */
  strayRequestsBilled?: (strays: StrayBatch[]) => Promise<number | null>;
}

/** The job's output files in its folder of the blob store: where clients read them, on any machine. */
function outputKeys(spec: ResolvedJobSpec) {
  return {
    results: jobLayout.results(spec.jobId, spec.output.format),
    deadLetter: jobLayout.deadLetter(spec.jobId),
    report: jobLayout.report(spec.jobId),
    reportHtml: jobLayout.reportHtml(spec.jobId),
  };
}

/** The names of the job's output files in `output.dir`, when the spec names one (a copy, on the worker's disk). */
const OUTPUT_DIR_NAMES = (spec: ResolvedJobSpec) => ({
  results: `results.${spec.output.format}`,
  deadLetter: 'dead-letter.jsonl',
  report: 'report.json',
  reportHtml: 'report.html',
});

/**
 * The job's last step. Settles every item (retryable leftovers become failed with "retries exhausted";
 * items that never got an outcome become cancelled, or failed if the job was not cancelled), then writes
 * the results file (one line per input item, in input order), the dead-letter file and the report.
 * Streams the dataset and the stored outcomes side by side: memory stays flat. Safe to run again.
 */
export async function finalizeJob(request: FinalizeRequest, deps: FinalizeDeps): Promise<JobReport> {
  const { spec, generation } = request;
  const { store } = deps;
  await store.closeRetryable(spec.jobId, request.cancelled ? 'not retried: the job was cancelled' : 'retries exhausted');
  const keys = outputKeys(spec);
  // writes that a killed process never finished (shard files, downloads): nothing of the job writes any more
  await deps.blobs.removeUnfinished(jobLayout.jobPrefix(spec.jobId));
  const results = deps.blobs.createWriter(keys.results);
  const deadLetter = deps.blobs.createWriter(keys.deadLetter);
  try {
    if (spec.output.format === 'csv') await results.write(CSV_COLUMNS.join(',') + '\n');
    await writeOutcomes(request, deps, results, deadLetter);
    await results.close();
    await deadLetter.close();
  } catch (err) {
    await results.abort();
    await deadLetter.abort();
    throw err;
  }

  await store.indexAnswers(spec.jobId);
  const counts = await store.counts(spec.jobId);
  const { byState } = counts;
  // each item at the model and tier that produced it (a reprocess with another model leaves several)
  const realtime = realtimeComparison(counts.byModelTier, spec.model, deps.prices);
  const report: JobReport = {
    jobId: spec.jobId,
    taskVersion: spec.taskVersion,
    generation,
    status: request.cancelled ? 'cancelled' : 'completed',
    ...(request.cancelled ? { cancelReason: request.cancelReason ?? null } : {}),
    provider: spec.provider,
    model: spec.model,
    mode: spec.mode,
    total: byState.succeeded + byState.failed + byState.cancelled + byState.cached + byState.failed_retryable,
    counts: { succeeded: byState.succeeded, failed: byState.failed + byState.failed_retryable, cancelled: byState.cancelled, cached: byState.cached },
    failuresByReason: counts.byReason,
    byTier: counts.byTier,
    tokens: { in: counts.tokensIn, out: counts.tokensOut },
    cost: {
      paidUsd: round6(counts.costUsd),
      realtimeUsd: round6(realtime.realtimeUsd),
      savedUsd: round6(realtime.realtimeUsd - counts.costUsd),
      priceKnown: realtime.priceKnown,
      ...(realtime.priceNote ? { priceNote: realtime.priceNote } : {}),
      byModel: realtime.byModel,
    },
    rounds: request.rounds,
    shards: request.shards,
    duplicateIds: await store.duplicateKeys(spec.jobId),
    integrity: {
      resultLines: request.resultLines ?? { malformed: 0, duplicate: 0, conflicting: 0, foreign: 0 },
      strayBatches: await strayCounts(spec.jobId, counts, deps),
    },
    timings: request.timings,
    shardTimings: request.shardTimings ?? [],
    startedAt: request.startedAt,
    finishedAt: (deps.now ?? (() => new Date()))().toISOString(),
    files: describedFiles(spec, deps.blobs, keys),
  };
  const json = JSON.stringify(report, null, 2) + '\n';
  const earlier = await readEarlierReports(deps.blobs, spec.jobId, generation);
  const pages: Array<[string, string]> = [
    [keys.report, json],
    [jobLayout.generationReport(spec.jobId, generation), json],
    [keys.reportHtml, renderReportHtml(report, earlier)],
  ];
  for (const [key, text] of pages) {
    const writer = deps.blobs.createWriter(key);
    await writer.write(text);
    await writer.close();
  }
  if (spec.output.dir) await copyToOutputDir(spec, deps.blobs, keys);
  return report;
}

/** Where the report says the files are: `output.dir` when the spec names one, else the job's folder in storage. */
function describedFiles(spec: ResolvedJobSpec, blobs: BlobStore, keys: ReturnType<typeof outputKeys>): JobReport['files'] {
  if (!spec.output.dir) {
    return { results: blobs.describe(keys.results), deadLetter: blobs.describe(keys.deadLetter), report: blobs.describe(keys.report), reportHtml: blobs.describe(keys.reportHtml) };
  }
  const names = OUTPUT_DIR_NAMES(spec);
  const at = (name: string) => path.join(spec.output.dir!, name);
  return { results: at(names.results), deadLetter: at(names.deadLetter), report: at(names.report), reportHtml: at(names.reportHtml) };
}

/** Copies the job's output files from the blob store into `output.dir` on this worker's disk, streamed. */
async function copyToOutputDir(spec: ResolvedJobSpec, blobs: BlobStore, keys: ReturnType<typeof outputKeys>): Promise<void> {
  const dir = new LocalBlobStore(spec.output.dir!);
  const names = OUTPUT_DIR_NAMES(spec);
  for (const name of Object.keys(keys) as Array<keyof typeof keys>) {
    const writer = dir.createWriter(names[name]);
    try {
      for await (const chunk of blobs.read(keys[name])) {
        const flushing = writer.write(chunk as Buffer);
        if (flushing) await flushing;
      }
      await writer.close();
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }
}

/** The job's stray batches, what they billed and an estimate of its cost at the job's average batch cost per item. */
async function strayCounts(jobId: string, counts: OutcomeCounts, deps: FinalizeDeps): Promise<StrayBatchCounts> {
  const strays = await deps.store.strays(jobId);
  if (strays.length === 0) return { count: 0, requestsBilled: 0, costUsd: 0 };
  const billed = deps.strayRequestsBilled ? await deps.strayRequestsBilled(strays) : null;
  const batch = counts.byTier.batch;
  const perItem = batch && batch.items > 0 ? batch.costUsd / batch.items : 0;
  return { count: strays.length, requestsBilled: billed, costUsd: billed === null ? null : round6(billed * perItem) };
}

/**
 * Writes one line per item in input order. When every item has an outcome and the lines need nothing from
 * the dataset, the stored outcomes alone make the file (in seq order, which is input order); otherwise the
 * dataset is streamed beside them to fill gaps (an item that never got an outcome) and to copy inputs; if
 * the dataset is gone by then and every item has its outcome, the stored outcomes alone make the files.
 */
async function writeOutcomes(request: FinalizeRequest, deps: FinalizeDeps, results: BlobWriter, deadLetter: BlobWriter): Promise<void> {
  const { spec } = request;
  const job = await deps.store.getJob(spec.jobId);
  const coverage = await deps.store.coverage(spec.jobId);
  const complete = job !== undefined && job.total >= 0 && coverage.items === job.total && coverage.maxSeq === job.total - 1;
  const write = lineWriter(spec, results, deadLetter);
  // failed items go to the dead-letter file with their input row, which only the dataset has
  if (complete && coverage.failed === 0 && !spec.output.includeInput) return writeStored(spec.jobId, deps, write);
  let wrote = false;
  try {
    await writeBesideDataset(request, deps, (stored, row) => ((wrote = true), write(stored, row)));
  } catch (err) {
    // the dataset is gone (deleted, a lifecycle rule) before a line was written: with every item's outcome
    // stored, the files are made from those alone, inputs left out, rather than a finished job failing here
    if (!(err instanceof DatasetNotFoundError) || !complete || wrote) throw err;
    await writeStored(spec.jobId, deps, write);
  }
}

/** Writes the stored outcomes alone, in seq order (which is input order). */
async function writeStored(jobId: string, deps: FinalizeDeps, write: WriteLine): Promise<void> {
  let written = 0;
  for await (const stored of deps.store.iterateStored(jobId)) {
    await write(stored);
    if (++written % 10_000 === 0) deps.onProgress?.(written);
  }
  deps.onProgress?.(written);
}

/** The dataset row of an item, when the dataset is read beside the outcomes (undefined: not a JSON row). */
type WriteLine = (stored: StoredOutcome, row?: Record<string, unknown>) => Promise<void>;

/** Writes an outcome's results line (with its input if the spec asks), and its dead-letter line when it failed. */
function lineWriter(spec: ResolvedJobSpec, results: BlobWriter, deadLetter: BlobWriter): WriteLine {
  return async (stored, row) => {
    const input = spec.output.includeInput ? row : undefined;
    if (spec.output.format === 'csv') await results.write(toCsvRow(toResultLine(parsedOutcome(stored), input)) + '\n');
    else await results.write(resultLineJson(stored, input) + '\n');
    if (stored.state === 'failed' || stored.state === 'failed_retryable') {
      const dead = { id: stored.itemKey, line: stored.line, reason: stored.reason ?? undefined, message: stored.message, input: row ?? null };
      await deadLetter.write(JSON.stringify(dead) + '\n');
    }
  };
}

async function writeBesideDataset(request: FinalizeRequest, deps: FinalizeDeps, write: WriteLine): Promise<void> {
  const { spec, generation } = request;
  const stored = deps.store.iterateStored(spec.jobId)[Symbol.asyncIterator]();
  let next = await stored.next();
  let gaps: ItemOutcome[] = [];
  let written = 0;
  for await (const rows of readDataset(spec.dataset, deps.blobs)) {
    for (const row of rows) {
      while (!next.done && next.value.seq < row.seq) next = await stored.next();
      let outcome: StoredOutcome;
      if (!next.done && next.value.seq === row.seq) outcome = next.value;
      else {
        const gap = gapOutcome(row.seq, row.line, (row.row && itemKeyOf(row.row, spec.dataset.idField)) ?? lineKey(row.line), generation, request.cancelled);
        gaps.push(gap);
        outcome = { ...gap, outputJson: null };
      }
      await write(outcome, row.row);
      written++;
    }
    if (gaps.length > 0) {
      await deps.store.upsertOutcomes(spec.jobId, spec.taskVersion, gaps, spec.model);
      gaps = [];
    }
    deps.onProgress?.(written);
  }
}

function gapOutcome(seq: number, line: number, itemKey: string, generation: number, cancelled: boolean): ItemOutcome {
  return {
    seq,
    line,
    itemKey,
    requestKey: null,
    state: cancelled ? 'cancelled' : 'failed',
    reason: cancelled ? 'job_cancelled' : 'missing_result',
    message: cancelled ? 'the job was cancelled before this item was sent' : 'no outcome was recorded for this item',
    generation,
    round: SETTLING_ROUND,
    tier: 'none',
    output: undefined,
    tokensIn: 0,
    tokensOut: 0,
    costUsd: 0,
  };
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
