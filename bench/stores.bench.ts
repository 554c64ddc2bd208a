import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { uploadDataset } from '../src/client/dataset-upload';
import { prepareJob } from '../src/dataset/prepare-job';
import { countTokens } from '../src/dataset/token-estimator';
import { createDatabase, startPostgresServer } from '../src/dev/postgres-server';
import { startS3Server } from '../src/dev/s3-server';
import { OpenAiBatchProvider } from '../src/providers/openai/openai-batch-provider';
import { PROVIDER_CAPABILITIES, PROVIDER_LIMITS } from '../src/providers/provider-limits';
import { PriceTable } from '../src/report/price-table';
import { collectShard } from '../src/results/collect-shard';
import type { ItemOutcome } from '../src/results/item-outcome';
import { PostgresResultStore } from '../src/results/postgres-result-store';
import type { ResultStore } from '../src/results/result-store';
import { SqliteResultStore } from '../src/results/sqlite-result-store';
import { JobSpecSchema, type ResolvedJobSpec } from '../src/spec/job-spec';
import { resolveSpec } from '../src/spec/resolve-spec';
import type { BlobStore } from '../src/storage/blob-store';
import { LocalBlobStore } from '../src/storage/local-blob-store';
import { openBlobStore } from '../src/storage/open-blob-store';
import { S3BlobStore, s3ClientFor } from '../src/storage/s3-blob-store';
import type { BenchResult } from './bench-result';
import { writeTickets, writeUniqueText } from './bench-data';
import { fakeOutput, median, SCHEMA } from './engine-throughput.bench';

const ITEMS = Number(process.env.LONGHAUL_BENCH_ITEMS ?? 200_000);
const RUNS = Math.max(1, Number(process.env.LONGHAUL_BENCH_RUNS ?? 3));

type Shard = { jobId: string; generation: number; round: number; index: number };

/** What one side of the comparison runs on: a blob store, a fresh result store per run, the dataset's path there. */
interface Side {
  name: string;
  blobs: BlobStore;
  store: () => Promise<ResultStore>;
  dataset: string;
}

function specOf(datasetPath: string, jobId: string): ResolvedJobSpec {
  return resolveSpec(
    JobSpecSchema.parse({
      dataset: { path: datasetPath, idField: 'id', format: 'jsonl' },
      model: 'gpt-4o-mini',
      prompt: { messages: [{ role: 'system', content: 'Classify the ticket.' }, { role: 'user', content: 'Subject: {{subject}}\n\n{{body}}' }] },
      outputSchema: { name: 'ticket', schema: SCHEMA },
    }),
    jobId,
  );
}

/**
 * Prepare and collect on the stores that span machines (S3-compatible blobs on versitygw, results in
 * PostgreSQL, both real servers on this machine) beside the same phases on the embedded default (a local
 * directory and SQLite), run by run in alternation, so each ratio compares two runs that saw the machine alike;
 * and PostgreSQL's upsert rate on its own; and prepare on rows of unique text, where compressing shard files would not
 * pay. Targets: prepare at least 0.8x, collect at least 0.5x the local figure.
 */
export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'longhaul-bench-stores-'));
  const [postgres, s3] = await Promise.all([startPostgresServer(), startS3Server()]);
  try {
    const input = path.join(dir, 'tickets.jsonl');
    await writeTickets(input, ITEMS);
    const provider = new OpenAiBatchProvider(new OpenAI({ apiKey: 'x', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 }), 'openai', PROVIDER_LIMITS.openai, PROVIDER_CAPABILITIES.openai);
    const bucket = await s3.createBucket();
    // opened as workers open it (shard files gzip-compressed in the bucket)
    const remote = openBlobStore({ kind: 's3', bucket, prefix: 'bench', endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    const local: Side = { name: 'local', blobs: new LocalBlobStore(path.join(dir, 'blobs')), store: async () => new SqliteResultStore(path.join(dir, `results-${Math.random().toString(36).slice(2)}.sqlite`)), dataset: input };
    const shared: Side = { name: 'S3 + PostgreSQL', blobs: remote, store: async () => PostgresResultStore.open(await createDatabase(postgres.adminUrl)), dataset: await uploadDataset(input, remote) };
    countTokens('warm up');

    const rates = { prepare: { local: [] as number[], shared: [] as number[] }, collect: { local: [] as number[], shared: [] as number[] } };
    for (let i = 0; i < RUNS; i++) {
      for (const [key, side] of [['local', local], ['shared', shared]] as const) {
        const spec = specOf(side.dataset, `bench-${i}`);
        const store = await side.store();
        let started = performance.now();
        const prepared = await prepareJob(spec, 0, 'all', { blobs: side.blobs, store, provider });
        rates.prepare[key].push(prepared.total / ((performance.now() - started) / 1000));
        const shards: Shard[] = prepared.shards.map((s) => ({ jobId: spec.jobId, generation: 0, round: 0, index: s.index }));
        for (const shard of shards) await fakeOutput(side.blobs, shard);
        started = performance.now();
        let collected = 0;
        for (const shard of shards) {
          const tally = await collectShard({ spec, shard, status: { batchId: 'b', phase: 'completed', counts: { total: 0, completed: 0, failed: 0 }, errors: [] } }, { blobs: side.blobs, store, provider, prices: new PriceTable() });
          collected += tally.succeeded;
        }
        rates.collect[key].push(collected / ((performance.now() - started) / 1000));
        await store.close();
      }
    }

    const unique = await uniqueTextPrepare(dir, s3.endpoint, { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, await s3.createBucket(), provider);
    const upserts = await postgresUpsertRate(await PostgresResultStore.open(await createDatabase(postgres.adminUrl)));
    const ratio = (phase: { local: number[]; shared: number[] }) => median(phase.shared.map((rate, i) => rate / phase.local[i]!));
    const k = (values: number[]) => values.map((v) => `${Math.round(v / 1000)}k`).join('/');
    const figure = (name: string, phase: { local: number[]; shared: number[] }, target: number): BenchResult => ({
      name: `${name} on S3 + PostgreSQL (${ITEMS.toLocaleString('en-US')} items)`,
      value: Math.round(median(phase.shared)),
      unit: 'items/s',
      baseline: { name: `the same on a local directory + SQLite, runs ${k(phase.local)}`, value: Math.round(median(phase.local)), unit: 'items/s' },
      note: `${ratio(phase).toFixed(2)}x the local figure (median of ${RUNS} pairs; target >= ${target}x); runs ${k(phase.shared)}`,
    });
    return [
      figure('prepare', rates.prepare, 0.8),
      figure('collect', rates.collect, 0.5),
      {
        name: `prepare on S3 as workers open it, rows of unique text (${UNIQUE_ITEMS.toLocaleString('en-US')} items of ~2 KB)`,
        value: Math.round(median(unique.opened)),
        unit: 'items/s',
        baseline: { name: `the same on the bucket as it is (no compression), runs ${k(unique.raw)}`, value: Math.round(median(unique.raw)), unit: 'items/s' },
        note: `${median(unique.opened.map((rate, i) => rate / unique.raw[i]!)).toFixed(2)}x; stored ${unique.storedMB.toFixed(1)} MB of ${unique.plainMB.toFixed(1)} MB (shard files that deflate under 4x stay as written); runs ${k(unique.opened)}`,
      },
      { name: 'PostgreSQL upserts (10,000 outcomes a call)', value: Math.round(upserts), unit: 'outcomes/s', note: 'one statement of arrays per call, committed' },
    ];
  } finally {
    await Promise.all([postgres.stop(), s3.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const UNIQUE_ITEMS = 20_000;

/**
 * Prepare on S3 with rows of unique text, through the store workers open (compressing shard files that deflate
 * well) and through the bare bucket, in alternation: what the compression's sampling costs where it does not pay.
 */
async function uniqueTextPrepare(dir: string, endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }, bucket: string, provider: OpenAiBatchProvider) {
  const location = { bucket, prefix: 'unique', endpoint, region: 'us-east-1', forcePathStyle: true, credentials };
  const sides = { opened: openBlobStore({ kind: 's3', ...location }), raw: new S3BlobStore(s3ClientFor(location), location) };
  const input = path.join(dir, 'unique.jsonl');
  await writeUniqueText(input, UNIQUE_ITEMS);
  const dataset = await uploadDataset(input, sides.raw);
  const rates = { opened: [] as number[], raw: [] as number[] };
  let storedMB = 0;
  let plainMB = 0;
  for (let i = 0; i < RUNS; i++) {
    for (const key of ['raw', 'opened'] as const) {
      const spec = specOf(dataset, `unique-${key}-${i}`);
      const store = new SqliteResultStore(path.join(dir, `unique-${key}-${i}.sqlite`));
      const started = performance.now();
      const prepared = await prepareJob(spec, 0, 'all', { blobs: sides[key], store, provider });
      rates[key].push(prepared.total / ((performance.now() - started) / 1000));
      await store.close();
      const stored = (await sides.raw.entries(`jobs/${spec.jobId}/`)).reduce((sum, entry) => sum + entry.bytes, 0) / 1e6;
      if (key === 'raw') plainMB = stored;
      else storedMB = stored;
    }
  }
  return { ...rates, storedMB, plainMB };
}

/** Outcomes a second PostgreSQL takes through upsertOutcomes, 10,000 a call (as collect writes them). */
async function postgresUpsertRate(store: PostgresResultStore): Promise<number> {
  const outcome = (seq: number): ItemOutcome => ({
    seq, line: seq + 1, itemKey: `t-${seq}`, requestKey: `rk${seq}`, state: 'succeeded', reason: null, message: null, generation: 0, round: 0, tier: 'batch',
    output: undefined, outputJson: `{"category":"billing","urgency":3,"summary":"ticket ${seq}"}`, tokensIn: 60, tokensOut: 20, costUsd: 0.00001,
  });
  const started = performance.now();
  for (let from = 0; from < ITEMS; from += 10_000) {
    await store.upsertOutcomes('upserts', 'tv', Array.from({ length: Math.min(10_000, ITEMS - from) }, (_, i) => outcome(from + i)));
  }
  const rate = ITEMS / ((performance.now() - started) / 1000);
  await store.close();
  return rate;
}

if (require.main === module) {
  run().then((results) => console.log(JSON.stringify(results, null, 2)), (err) => {
    console.error(err);
    process.exit(1);
  });
}
