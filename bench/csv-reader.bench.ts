import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse';
import { readCsvRows } from '../src/dataset/csv-reader';
import type { DatasetRow } from '../src/dataset/dataset-row';
import type { BenchResult } from './bench-result';
import { median } from './engine-throughput.bench';

const ITEMS = Number(process.env.LONGHAUL_BENCH_ITEMS ?? 200_000);
const RUNS = Math.max(1, Number(process.env.LONGHAUL_BENCH_RUNS ?? 3));
const PRODUCTS = ['invoice', 'login', 'export', 'dashboard', 'mobile app', 'API key', 'billing plan', 'webhook'];

/**
 * Writes `count` support-ticket rows as CSV (id, subject, body, priority; about 150 bytes each): every body is
 * quoted and holds commas, every 5th a doubled quote, every 7th a line break inside the quotes.
 */
async function writeTicketsCsv(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  let buffer = 'id,subject,body,priority\r\n';
  for (let i = 0; i < count; i++) {
    const product = PRODUCTS[i % PRODUCTS.length]!;
    const quote = i % 5 === 0 ? ' It says ""try again"".' : '';
    const lineBreak = i % 7 === 0 ? '\nSecond paragraph, still the same ticket.' : '';
    buffer += `t-${i},My ${product} fails,"Since yesterday, my ${product} fails. Ticket ${i}, customer ${(i * 7919) % 100_000}.${quote}${lineBreak}",${i % 3}\r\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
}

/** Longhaul's reader, as readDataset opens a local file. */
async function* handWritten(file: string): AsyncGenerator<DatasetRow> {
  for await (const rows of readCsvRows(createReadStream(file, { highWaterMark: 1 << 20 }))) yield* rows;
}

/**
 * csv-parse's streaming parser giving the same rows: header names as keys, a row per record with its start line
 * (the line after the previous record's end), a record with the wrong field count as a bad row.
 */
async function* csvParse(file: string): AsyncGenerator<DatasetRow> {
  const parser = createReadStream(file, { highWaterMark: 1 << 20 }).pipe(
    parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }),
  );
  let header: string[] | undefined;
  let seq = 0;
  let nextLine = 1;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    const line = nextLine;
    nextLine = info.lines + 1;
    if (!header) {
      header = record.map((f) => f.trim());
      continue;
    }
    if (record.length !== header.length) {
      yield { seq: seq++, line, error: `expected ${header.length} fields (as in the header), got ${record.length}` };
      continue;
    }
    const row: Record<string, unknown> = {};
    for (let i = 0; i < header.length; i++) row[header[i]!] = record[i];
    yield { seq: seq++, line, row };
  }
}

/** Rows per second reading the whole file. */
async function rate(rows: AsyncGenerator<DatasetRow>): Promise<number> {
  const started = process.hrtime.bigint();
  let count = 0;
  for await (const row of rows) if (row.row || row.error) count++;
  if (count !== ITEMS) throw new Error(`read ${count} rows, expected ${ITEMS}`);
  return Math.round(count / (Number(process.hrtime.bigint() - started) / 1e9));
}

/** Both readers must give the same rows (seq, line, fields) before their speeds mean anything. */
async function assertSameRows(file: string): Promise<void> {
  const other = csvParse(file);
  for await (const row of handWritten(file)) {
    const next = await other.next();
    if (next.done || JSON.stringify(next.value) !== JSON.stringify(row)) {
      throw new Error(`readers differ at seq ${row.seq}: ${JSON.stringify(row)} vs ${JSON.stringify(next.value)}`);
    }
  }
  if (!(await other.next()).done) throw new Error('csv-parse gave more rows');
}

/**
 * The CSV reader against csv-parse (streaming API) on the same file, run by run in alternation; the figure is
 * the hand-written reader's median rate, the baseline csv-parse's, the note the median of the paired ratios.
 */
export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'longhaul-bench-csv-'));
  try {
    const file = path.join(dir, 'tickets.csv');
    await writeTicketsCsv(file, ITEMS);
    await assertSameRows(file);
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(await rate(handWritten(file)));
      theirs.push(await rate(csvParse(file)));
    }
    const ratio = median(ours.map((r, i) => r / theirs[i]!));
    return [
      {
        name: `CSV reader (${ITEMS.toLocaleString('en-US')} rows, quoted fields)`,
        value: median(ours),
        unit: 'rows/s',
        baseline: { name: 'csv-parse 7 streaming', value: median(theirs), unit: 'rows/s' },
        note: `${ratio.toFixed(2)}x csv-parse (median of ${RUNS} pairs; runs ${ours.join(', ')} vs ${theirs.join(', ')})`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
