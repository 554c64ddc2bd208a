import type { Readable } from 'node:stream';
import type { DatasetRow } from './dataset-row';
import { readLineBatches } from './line-reader';

/**
 * Streams a JSONL dataset as batches of rows. Blank lines are not items. A line that is not a JSON object
 * becomes a row with an `error` (and its line number) instead of stopping the read.
 */
export async function* readJsonlRows(source: Readable): AsyncGenerator<DatasetRow[]> {
  let seq = 0;
  for await (const batch of readLineBatches(source)) {
    const rows: DatasetRow[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      const text = batch.lines[i]!;
      if (isBlankLine(text)) continue;
      const line = batch.firstLine + i;
      rows.push(parseRow(text, seq++, line));
    }
    if (rows.length > 0) yield rows;
  }
}

/** Blank lines are not items. */
export function isBlankLine(text: string): boolean {
  return text.length === 0 || text.trim().length === 0;
}

/** One JSONL line as a row: parsed, or with why it could not be. */
export function parseRow(text: string, seq: number, line: number): DatasetRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { seq, line, error: `invalid JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { seq, line, error: `expected a JSON object, got ${kind}` };
  }
  return { seq, line, row: value as Record<string, unknown> };
}
