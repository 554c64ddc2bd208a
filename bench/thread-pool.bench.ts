import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { Piscina } from 'piscina';
import { prepareJob } from '../src/dataset/prepare-job';
import type { RenderedChunk, RenderRequest } from '../src/dataset/render-chunk';
import { OpenAiBatchProvider } from '../src/providers/openai/openai-batch-provider';
import { PROVIDER_CAPABILITIES, PROVIDER_LIMITS } from '../src/providers/provider-limits';
import { SqliteResultStore } from '../src/results/sqlite-result-store';
import { JobSpecSchema } from '../src/spec/job-spec';
import { resolveSpec } from '../src/spec/resolve-spec';
import { LocalBlobStore } from '../src/storage/local-blob-store';
import { defaultThreadCount, inOrder, leaseSharedPool, THREAD_LIMITS, threadScript, ThreadPool } from '../src/threads/thread-pool';
import type { BenchResult } from './bench-result';
import { writeTickets } from './bench-data';
import { median, SCHEMA } from './engine-throughput.bench';

const ITEMS = Number(process.env.LONGHAUL_BENCH_ITEMS ?? 200_000);
const RUNS = Math.max(1, Number(process.env.LONGHAUL_BENCH_RUNS ?? 3));

type Run = (request: RenderRequest) => Promise<RenderedChunk>;

/** The render requests a real prepare sends its threads (caught on their way), with copies of their chunks. */
async function captureRenderRequests(dir: string): Promise<RenderRequest[]> {
  const dataset = path.join(dir, 'tickets.jsonl');
  await writeTickets(dataset, ITEMS);
  const spec = resolveSpec(
    JobSpecSchema.parse({
      dataset: { path: dataset, idField: 'id', format: 'jsonl' },
      model: 'gpt-4o-mini',
      prompt: { messages: [{ role: 'system', content: 'Classify the ticket.' }, { role: 'user', content: 'Subject: {{subject}}\n\n{{body}}' }] },
      outputSchema: { name: 'ticket', schema: SCHEMA },
    }),
    'bench-threads',
  );
  const provider = new OpenAiBatchProvider(new OpenAI({ apiKey: 'x', baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 }), 'openai', PROVIDER_LIMITS.openai, PROVIDER_CAPABILITIES.openai);
  const store = new SqliteResultStore(path.join(dir, 'prepare.sqlite'));
  const requests: RenderRequest[] = [];
  const run = ThreadPool.prototype.run;
  ThreadPool.prototype.run = function (this: ThreadPool<object, unknown>, request: object, transfer?: ArrayBuffer[]) {
    const render = request as RenderRequest;
    requests.push({ ...render, chunk: new Uint8Array(render.chunk) });
    return run.call(this, request, transfer);
  };
  try {
    await prepareJob(spec, 0, 'all', { blobs: new LocalBlobStore(path.join(dir, 'blobs')), store, provider });
  } finally {
    ThreadPool.prototype.run = run;
    await store.close();
  }
  if (requests.length === 0) throw new Error('the prepare did not use render threads');
  return requests;
}

/**
 * Renders every request through `run` as prepare does (a fresh copy of each chunk moved, results in order, two
 * per thread in flight): items/s, and a digest of the rendered bytes.
 */
async function renderAll(requests: RenderRequest[], run: Run, threads: number): Promise<{ rate: number; digest: string }> {
  async function* items(): AsyncGenerator<RenderRequest> {
    yield* requests;
  }
  const hash = createHash('sha256');
  const started = performance.now();
  for await (const rendered of inOrder(items(), (request) => run({ ...request, chunk: new Uint8Array(request.chunk) }), threads * 2)) {
    hash.update(rendered.data).update(rendered.manifest);
  }
  return { rate: Math.round(ITEMS / ((performance.now() - started) / 1000)), digest: hash.digest('hex') };
}

/**
 * The render threads' pool (src/threads/thread-pool.ts) against piscina 5 running the same rendering, on the
 * requests of a real 200,000-item prepare, both warm, run by run in alternation after checking both render
 * the same bytes; the figure is our pool's median rate, the baseline piscina's.
 */
export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'longhaul-bench-threads-'));
  const threads = defaultThreadCount();
  const script = threadScript('dataset/render-thread');
  if (!script) throw new Error('no compiled render thread: npm run build');
  const lease = leaseSharedPool<RenderRequest, RenderedChunk>(script, threads);
  const piscina = new Piscina<RenderRequest, RenderedChunk>({
    filename: path.join(__dirname, 'render-piscina-thread.js'),
    minThreads: threads,
    maxThreads: threads,
    resourceLimits: THREAD_LIMITS,
  });
  const sides: Record<'ours' | 'piscina', Run> = {
    ours: (request) => lease.pool.run(request, [request.chunk.buffer as ArrayBuffer]),
    piscina: (request) => piscina.run(request, { transferList: [request.chunk.buffer as ArrayBuffer] }),
  };
  try {
    const requests = await captureRenderRequests(dir);
    const warm = await Promise.all([renderAll(requests, sides.ours, threads), renderAll(requests, sides.piscina, threads)]);
    if (warm[0].digest !== warm[1].digest) throw new Error('the pools rendered different bytes');
    const rates = { ours: [] as number[], piscina: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      rates.ours.push((await renderAll(requests, sides.ours, threads)).rate);
      rates.piscina.push((await renderAll(requests, sides.piscina, threads)).rate);
    }
    const ratio = median(rates.ours.map((r, i) => r / rates.piscina[i]!));
    return [
      {
        name: `render threads (${ITEMS.toLocaleString('en-US')} items, ${requests.length} chunks, ${threads} threads)`,
        value: median(rates.ours),
        unit: 'items/s',
        baseline: { name: 'piscina 5', value: median(rates.piscina), unit: 'items/s' },
        note: `${ratio.toFixed(2)}x piscina (median of ${RUNS} pairs; runs ${rates.ours.join(', ')} vs ${rates.piscina.join(', ')})`,
      },
    ];
  } finally {
    lease.release();
    await piscina.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
