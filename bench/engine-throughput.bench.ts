import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { readLineBatches } from '../src/dataset/line-reader';
import { loadManifest } from '../src/dataset/manifest';
import { prepareJob } from '../src/dataset/prepare-job';
import { countTokens } from '../src/dataset/token-estimator';
import { OpenAiBatchProvider } from '../src/providers/openai/openai-batch-provider';
import { PROVIDER_CAPABILITIES, PROVIDER_LIMITS } from '../src/providers/provider-limits';
import { finalizeJob } from '../src/report/finalize-job';
import { PriceTable } from '../src/report/price-table';
import { collectShard } from '../src/results/collect-shard';
import { SqliteResultStore } from '../src/results/sqlite-result-store';
import { JobSpecSchema } from '../src/spec/job-spec';
import { resolveSpec } from '../src/spec/resolve-spec';
import { jobLayout } from '../src/storage/job-layout';
import type { BlobStore } from '../src/storage/blob-store';
import { LocalBlobStore } from '../src/storage/local-blob-store';
import type { BenchResult } from './bench-result';
import { writeTickets } from './bench-data';

const ITEMS = Number(process.env.LONGHAUL_BENCH_ITEMS ?? 200_000);

export const SCHEMA = {
  type: 'object',
  properties: { category: { type: 'string', enum: ['billing', 'bug', 'performance', 'account', 'other'] }, urgency: { type: 'integer', minimum: 1, maximum: 5 }, summary: { type: 'string' } },
  required: ['category', 'urgency', 'summary'],
  additionalProperties: false,
};

/** The I/O floor: read each line of JSONL files, JSON.parse it, JSON.stringify it to a file. Items per second. */
async function baseline(inputs: readonly string[], output: string): Promise<number> {
  const started = performance.now();
  const out = createWriteStream(output);
  let n = 0;
  for (const input of inputs) {
    for await (const batch of readLineBatches(createReadStream(input, { highWaterMark: 1 << 20 }))) {
      let chunk = '';
      for (const line of batch.lines) {
        if (!line) continue;
        chunk += JSON.stringify(JSON.parse(line)) + '\n';
        n++;
      }
      if (!out.write(chunk)) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
  return n / ((performance.now() - started) / 1000);
}

/**
 * Writes an OpenAI output file answering every request of a shard, line for line as OpenAI writes one (the
 * fields the emulator's chat completions carry too): about 800 bytes a line.
 */
export async function fakeOutput(blobs: BlobStore, shard: { jobId: string; generation: number; round: number; index: number }): Promise<void> {
  const writer = blobs.createWriter(jobLayout.shardOutput(shard));
  for (const { seq } of await loadManifest(blobs, shard)) {
    const content = JSON.stringify({ category: ['billing', 'bug', 'performance', 'account', 'other'][seq % 5], urgency: 1 + (seq % 5), summary: `Ticket ${seq} summarized` });
    const body = {
      id: `chatcmpl-B${seq}x7Qk2mZpL0aF3`,
      object: 'chat.completion',
      created: 1_764_400_000 + (seq % 86_400),
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 60,
        completion_tokens: 20,
        total_tokens: 80,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
      service_tier: 'default',
      system_fingerprint: 'fp_560af6e559',
    };
    const line = { id: `batch_req_6749a1b2c3d4e5f6a7b8c9d0${seq}`, custom_id: `i${seq}-g0-r0`, response: { status_code: 200, request_id: `0c5e6b4d9a1f2e3c8b7a6d5e4f3a2b1c${seq}`, body }, error: null };
    await writer.write(JSON.stringify(line) + '\n');
  }
  await writer.close();
}

/** Runs of each measured phase, each right after a run of its floor (these machines are shared and noisy). */
const RUNS = Math.max(1, Number(process.env.LONGHAUL_BENCH_RUNS ?? 5));

/** Rates of a phase and of its floor, run by run. */
interface Paired {
  floor: number[];
  phase: number[];
}

/**
 * Runs the floor and then the phase, RUNS times over: the two runs of a pair see the machine in about the same
 * state, so their ratio says more than rates measured apart.
 */
async function paired(floor: () => Promise<number>, phase: (run: number) => Promise<number>): Promise<Paired> {
  const result: Paired = { floor: [], phase: [] };
  for (let i = 0; i < RUNS; i++) {
    result.floor.push(await floor());
    result.phase.push(await phase(i));
  }
  return result;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median of the pairs' ratios (phase over floor). */
const pairedRatio = (p: Paired) => median(p.phase.map((rate, i) => rate / p.floor[i]!));

const thousands = (rates: number[]) => rates.map((r) => `${Math.round(r / 1000)}k`).join('/');

/**
 * Prepare (stream, render, hash, estimate, shard), collect (parse, join, validate, upsert into SQLite) and
 * finalize (results file in input order, answers indexed, report) in items per second, each beside the I/O
 * floor on the JSONL the phase reads, measured in the same run: the dataset for prepare, the provider's output
 * files for collect (its ratio to the dataset's floor is reported too; it mostly says how verbose the
 * provider's lines are). Each phase runs RUNS times, each run right after a run of its floor (prepare into
 * fresh storage, collect into a fresh store), and the median of the pairs' ratios is the figure. Finalize runs
 * once, on the last collect's store.
 */
export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'longhaul-bench-engine-'));
  const input = path.join(dir, 'tickets.jsonl');
  await writeTickets(input, ITEMS);
  const datasetFloor = () => baseline([input], path.join(dir, 'baseline.jsonl'));

  const provider = new OpenAiBatchProvider(new OpenAI({ apiKey: 'x', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 }), 'openai', PROVIDER_LIMITS.openai, PROVIDER_CAPABILITIES.openai);
  const spec = resolveSpec(
    JobSpecSchema.parse({
      dataset: { path: input, idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: { messages: [{ role: 'system', content: 'Classify the ticket.' }, { role: 'user', content: 'Subject: {{subject}}\n\n{{body}}' }] },
      outputSchema: { name: 'ticket', schema: SCHEMA },
    }),
    'bench-job',
  );

  // a worker loads the tokenizer once per process (about 2 s); measure the steady state, as a worker runs it
  countTokens('warm up');
  let blobs = new LocalBlobStore(path.join(dir, 'blobs-0'));
  let shards: Array<{ jobId: string; generation: number; round: number; index: number }> = [];
  // the first run also starts the render threads, which later prepares of the process share (warm)
  const prepare = await paired(datasetFloor, async (i) => {
    if (i > 0) {
      rmSync(blobs.root, { recursive: true, force: true });
      blobs = new LocalBlobStore(path.join(dir, `blobs-${i}`));
    }
    const scratch = new SqliteResultStore(path.join(dir, `prepare-${i}.sqlite`));
    const started = performance.now();
    const prepared = await prepareJob(spec, 0, 'all', { blobs, store: scratch, provider });
    const rate = prepared.total / ((performance.now() - started) / 1000);
    await scratch.close();
    shards = prepared.shards.map((s) => ({ jobId: spec.jobId, generation: 0, round: 0, index: s.index }));
    return rate;
  });

  for (const shard of shards) await fakeOutput(blobs, shard);
  // the same floor over the files collect reads: the provider's output lines
  const outputs = shards.map((shard) => blobs.localPath(jobLayout.shardOutput(shard)));
  const outputFloor = () => baseline(outputs, path.join(dir, 'baseline-output.jsonl'));
  let store = new SqliteResultStore(path.join(dir, 'results-0.sqlite'));
  let collected = 0;
  const collect = await paired(outputFloor, async (i) => {
    if (i > 0) {
      await store.close();
      rmSync(store.file, { force: true });
      store = new SqliteResultStore(path.join(dir, `results-${i}.sqlite`));
    }
    const started = performance.now();
    collected = 0;
    for (const shard of shards) {
      const tally = await collectShard({ spec, shard, status: { batchId: 'b', phase: 'completed', counts: { total: 0, completed: 0, failed: 0 }, errors: [] } }, { blobs, store, provider, prices: new PriceTable() });
      collected += tally.succeeded;
    }
    return collected / ((performance.now() - started) / 1000);
  });

  const started = performance.now();
  const report = await finalizeJob(
    { spec, generation: 0, cancelled: false, rounds: 1, shards: shards.length, timings: {}, startedAt: new Date().toISOString() },
    { blobs, store, prices: new PriceTable() },
  );
  const finalizeRate = report.total / ((performance.now() - started) / 1000);
  await store.close();
  rmSync(dir, { recursive: true, force: true });

  const best = (rates: number[]) => Math.round(Math.max(...rates));
  const floorRef = { name: `dataset: read + JSON.parse + JSON.stringify to a file, best of ${thousands(prepare.floor)}`, value: best(prepare.floor), unit: 'items/s' };
  const outputFloorRef = { name: `provider output: read + JSON.parse + JSON.stringify to a file, best of ${thousands(collect.floor)}`, value: best(collect.floor), unit: 'items/s' };
  const runs = (p: Paired) => `runs ${thousands(p.phase)} beside floors ${thousands(p.floor)}`;
  // collect against the dataset's floor: the median over the prepare pairs' floors
  const onDataset = median(collect.phase) / median(prepare.floor);
  return [
    { name: `prepare (${ITEMS.toLocaleString('en-US')} items)`, value: best(prepare.phase), unit: 'items/s', baseline: floorRef, note: `${pairedRatio(prepare).toFixed(2)}x the floor on the dataset it reads (median of ${RUNS} pairs; target >= 0.5x); ${runs(prepare)}` },
    {
      name: `collect: parse + validate + store (${collected.toLocaleString('en-US')} items)`,
      value: best(collect.phase),
      unit: 'items/s',
      baseline: outputFloorRef,
      note: `${pairedRatio(collect).toFixed(2)}x the floor on the output files it reads (median of ${RUNS} pairs; target >= 0.3x); ${onDataset.toFixed(2)}x the dataset's floor (medians); ${runs(collect)}`,
    },
    { name: `finalize: results file + report (${report.total.toLocaleString('en-US')} items)`, value: Math.round(finalizeRate), unit: 'items/s', baseline: floorRef, note: `${(finalizeRate / median(prepare.floor)).toFixed(2)}x the dataset's median floor (one run)` },
  ];
}

if (require.main === module) {
  run().then((results) => console.log(JSON.stringify(results, null, 2)), (err) => {
    console.error(err);
    process.exit(1);
  });
}
