import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';

const PRODUCTS = ['invoice', 'login', 'export', 'dashboard', 'mobile app', 'API key', 'billing plan', 'webhook'];
const PROBLEMS = ['was charged twice', 'fails with an error', 'is very slow', 'shows the wrong totals', 'cannot be found', 'stopped working after the update'];

/** Writes `count` support-ticket rows as JSONL (about 200 bytes each), streaming. */
export async function writeTickets(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  let buffer = '';
  for (let i = 0; i < count; i++) {
    const product = PRODUCTS[i % PRODUCTS.length]!;
    const problem = PROBLEMS[(i * 7) % PROBLEMS.length]!;
    buffer += JSON.stringify({ id: `t-${i}`, subject: `My ${product} ${problem}`, body: `Since yesterday my ${product} ${problem}. Ticket ${i}, customer ${(i * 7919) % 100_000}. Please help.` }) + '\n';
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

/**
 * Writes `count` rows of ~2 KB of words that never repeat as a run (a seeded generator over 20,000 made-up words):
 * text that deflates ~2x, as long unique documents do, unlike the tickets, whose lines share most of their bytes.
 */
export async function writeUniqueText(file: string, count: number): Promise<void> {
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const words = Array.from({ length: 20_000 }, () => next().toString(36).slice(0, 3 + (next() % 6)));
  const text = (chars: number) => {
    let out = '';
    while (out.length < chars) out += words[next() % words.length] + ' ';
    return out;
  };
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    if (!out.write(JSON.stringify({ id: `d-${i}`, subject: text(60), body: text(2000) }) + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Peak resident set size of this process so far, in MiB (VmHWM). */
export function peakRssMiB(pid: number | 'self' = 'self'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}
