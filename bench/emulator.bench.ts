import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import OpenAI from 'openai';
import { startEmulator } from '../src/emulator';
import type { BenchResult } from './bench-result';

const REQUESTS = Number(process.env.LONGHAUL_BENCH_EMULATOR_REQUESTS ?? 50_000);

/**
 * A 50,000-request chat batch through the emulator with the official openai client: upload (multipart,
 * streamed), create, poll to completed, download the output as a stream. Baseline: writing and reading the
 * same bytes with plain fs streams. Reports wall seconds, requests/s and peak RSS.
 */
export async function run(): Promise<BenchResult[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'longhaul-bench-emulator-'));
  const handle = await startEmulator({ scenario: { clock: { speed: 1_000_000 } } });
  try {
    const inputPath = path.join(dir, 'input.jsonl');
    await pipeline(Readable.from(requestLines(REQUESTS)), createWriteStream(inputPath));
    const inputBytes = (await stat(inputPath)).size;
    const client = new OpenAI({ apiKey: 'bench', baseURL: handle.openaiBaseURL, maxRetries: 0, timeout: 600_000 });

    const started = process.hrtime.bigint();
    const file = await client.files.create({ file: createReadStream(inputPath), purpose: 'batch' });
    const uploaded = process.hrtime.bigint();
    let batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    while (!['completed', 'failed', 'expired', 'cancelled'].includes(batch.status)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      batch = await client.batches.retrieve(batch.id);
    }
    if (batch.status !== 'completed' || !batch.output_file_id) throw new Error(`benchmark batch ended ${batch.status}`);
    const processed = process.hrtime.bigint();
    const outputPath = path.join(dir, 'output.jsonl');
    const content = await client.files.content(batch.output_file_id);
    await pipeline(Readable.fromWeb(content.body as unknown as WebReadableStream), createWriteStream(outputPath));
    const finished = process.hrtime.bigint();
    const outputBytes = (await stat(outputPath)).size;

    const seconds = Number(finished - started) / 1e9;
    const baseline = await fsBaseline(dir, inputBytes + outputBytes);
    const megabytes = (inputBytes + outputBytes) / 1024 / 1024;
    return [
      {
        name: `emulator: ${REQUESTS} requests upload -> completed -> downloaded`,
        value: round(seconds),
        unit: 's',
        baseline: { name: `fs streams: write + read the same ${megabytes.toFixed(1)} MB`, value: round(baseline), unit: 's' },
        note: `upload ${round(Number(uploaded - started) / 1e9)} s, processing ${round(Number(processed - uploaded) / 1e9)} s, download ${round(Number(finished - processed) / 1e9)} s; input ${(inputBytes / 1024 / 1024).toFixed(1)} MB, output ${(outputBytes / 1024 / 1024).toFixed(1)} MB`,
      },
      { name: 'emulator: batch throughput', value: Math.round(REQUESTS / seconds), unit: 'requests/s' },
      { name: 'emulator: peak RSS (whole benchmark process)', value: Math.round(process.resourceUsage().maxRSS / 1024), unit: 'MB' },
    ];
  } finally {
    await handle.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function* requestLines(count: number): Generator<string> {
  const words = 'the quick brown fox jumps over a lazy dog while customers review blenders kettles and toasters'.split(' ');
  for (let i = 0; i < count; i += 1) {
    const text = Array.from({ length: 60 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' ');
    const body = { model: 'gpt-4o-mini', max_tokens: 200, messages: [{ role: 'system', content: 'Summarize the review in one sentence.' }, { role: 'user', content: `Review ${i}: ${text}` }] };
    yield `${JSON.stringify({ custom_id: `req-${i}`, method: 'POST', url: '/v1/chat/completions', body })}\n`;
  }
}

/** Seconds to write `bytes` to a file with a write stream and read them back with a read stream. */
async function fsBaseline(dir: string, bytes: number): Promise<number> {
  const target = path.join(dir, 'baseline.bin');
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const started = process.hrtime.bigint();
  await pipeline(Readable.from((function* () {
    for (let written = 0; written < bytes; written += chunk.length) yield chunk.subarray(0, Math.min(chunk.length, bytes - written));
  })()), createWriteStream(target));
  let read = 0;
  for await (const piece of createReadStream(target)) read += (piece as Buffer).length;
  if (read !== bytes) throw new Error('baseline read a different size');
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

if (require.main === module) {
  run().then(
    (results) => {
      for (const r of results) {
        console.log(`${r.name}: ${r.value} ${r.unit}${r.baseline ? ` (baseline ${r.baseline.name}: ${r.baseline.value} ${r.baseline.unit})` : ''}${r.note ? `\n  ${r.note}` : ''}`);
      }
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
