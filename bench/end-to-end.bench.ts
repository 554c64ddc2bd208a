import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLonghaulClient } from '../src/client/longhaul-client';
import { loadConfig } from '../src/config/longhaul-config';
import { startDevServer } from '../src/dev/temporal-dev-server';
import { projectRoot } from '../src/dev/project-root';
import type { BenchResult } from './bench-result';
import { peakRssMiB, writeTickets } from './bench-data';

const SIZES = (process.env.LONGHAUL_BENCH_E2E_SIZES ?? '100000,1000000').split(',').map(Number);

const SCHEMA = {
  type: 'object',
  properties: { category: { type: 'string', enum: ['billing', 'bug', 'performance', 'account', 'other'] }, urgency: { type: 'integer', minimum: 1, maximum: 5 }, summary: { type: 'string' } },
  required: ['category', 'urgency', 'summary'],
  additionalProperties: false,
};

function longhaul(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(process.execPath, [path.join(projectRoot(), 'bin', 'longhaul.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  // LONGHAUL_BENCH_LOG_DIR keeps each process's output (worker logs, to see which phase peaks)
  const logDir = process.env.LONGHAUL_BENCH_LOG_DIR;
  if (logDir) {
    const log = createWriteStream(path.join(logDir, `${args[0]}-${env.LONGHAUL_TASK_QUEUE ?? 'all'}.log`));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
  }
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (/ready|OpenAI/.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`longhaul ${args[0]} exited ${code}: ${out}`)));
  });
  ready.catch(() => undefined);
  return { child, ready };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * End to end through the real stack, each part in its own process: the Temporal dev server, the emulator
 * answering at once (`longhaul emulator`), one worker (`longhaul worker`), and this process as the client.
 * Reports items per second, the worker's peak RSS, and the job's history events (job workflow, and all runs
 * of all its workflows together).
 */
export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'longhaul-bench-e2e-'));
  const server = await startDevServer({ headless: true, logFile: path.join(dir, 'temporal.log') });
  const scenarioFile = path.join(dir, 'instant.json');
  writeFileSync(scenarioFile, JSON.stringify({ clock: { speed: 1_000_000 }, timing: { validatingSeconds: 0, inProgressSeconds: 0, finalizingSeconds: 0 } }));
  const emulatorPort = 20_000 + Math.floor(Math.random() * 20_000);
  const emulator = longhaul(['emulator', '--port', String(emulatorPort), '--scenario', scenarioFile], {});
  await emulator.ready;
  const results: BenchResult[] = [];
  const rss: number[] = [];
  try {
    for (const size of SIZES) {
      const input = path.join(dir, `tickets-${size}.jsonl`);
      await writeTickets(input, size);
      const dataDir = path.join(dir, `data-${size}`);
      const env = {
        // as the Dockerfile runs workers (see its comments: freed buffers given back, a small young generation);
        // set any of them in the bench's environment to compare
        MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
        MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '131072',
        NODE_OPTIONS: process.env.NODE_OPTIONS ?? '--max-semi-space-size=2',
        TEMPORAL_ADDRESS: server.address,
        LONGHAUL_DATA_DIR: dataDir,
        LONGHAUL_TASK_QUEUE: `bench-${size}`,
        OPENAI_BASE_URL: `http://127.0.0.1:${emulatorPort}/v1`,
        OPENAI_API_KEY: 'sk-bench',
      };
      const worker = longhaul(['worker'], env);
      await worker.ready;
      const client = await createLonghaulClient({ address: server.address, config: loadConfig({ ...process.env, ...env }) });
      const jobId = `bench-${size}`;
      const started = performance.now();
      const job = await client.start({
        jobId,
        dataset: { path: input, idField: 'id' },
        model: 'gpt-4o-mini',
        prompt: { messages: [{ role: 'system', content: 'Classify the ticket.' }, { role: 'user', content: 'Subject: {{subject}}\n\n{{body}}' }] },
        outputSchema: { name: 'ticket', schema: SCHEMA },
        // 25,000-request shards: both sizes then run 4 shards at once, so peak memory compares like with like
        // (memory is bounded by shards in flight x shard size, never by the dataset)
        limits: { maxRequestsPerShard: 25_000, shardsInFlight: 4 },
        polling: { initialSeconds: 1, maxSeconds: 2 },
      });
      const report = await job.result();
      const seconds = (performance.now() - started) / 1000;
      const peak = peakRssMiB(worker.child.pid!);
      rss.push(peak);
      const jobEvents = (await client.temporal.workflow.getHandle(job.workflowId).fetchHistory()).events?.length ?? 0;
      let allEvents = 0;
      for await (const wf of client.temporal.workflow.list({ query: `WorkflowId STARTS_WITH '${job.workflowId}'` })) {
        allEvents += (await client.temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()).events?.length ?? 0;
      }
      await client.close();
      await stop(worker.child);
      // a 1,000,000-item job leaves ~2 GB of shard files and outcomes: gone before the next size runs
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(input, { force: true });
      if (report.counts.succeeded !== size) throw new Error(`bench job ${jobId}: ${report.counts.succeeded}/${size} succeeded`);
      const label = size.toLocaleString('en-US');
      results.push(
        { name: `end to end, ${label} items (${report.shards} shards)`, value: Math.round(size / seconds), unit: 'items/s', note: `${seconds.toFixed(1)} s wall` },
        { name: `worker peak RSS, ${label} items`, value: peak, unit: 'MiB', note: `MALLOC_ARENA_MAX=${env.MALLOC_ARENA_MAX} MALLOC_MMAP_THRESHOLD_=${env.MALLOC_MMAP_THRESHOLD_} NODE_OPTIONS=${env.NODE_OPTIONS}, target <= 300 MiB` },
        { name: `history events, ${label} items: job workflow`, value: jobEvents, unit: 'events', note: 'target < 2,000' },
        { name: `history events, ${label} items: job + all shards`, value: allEvents, unit: 'events' },
      );
    }
    if (rss.length === 2) {
      results.push({ name: `peak RSS ratio, ${SIZES[1]!.toLocaleString('en-US')} vs ${SIZES[0]!.toLocaleString('en-US')} items`, value: Number((rss[1]! / rss[0]!).toFixed(2)), unit: 'x', note: 'target <= 1.2x' });
    }
  } finally {
    await stop(emulator.child);
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (require.main === module) {
  run().then((results) => console.log(JSON.stringify(results, null, 2)), (err) => {
    console.error(err);
    process.exit(1);
  });
}
