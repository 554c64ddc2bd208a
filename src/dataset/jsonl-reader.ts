import type { DatasetRow } from './dataset-row';
import { invalidUtf8Problem, readLineBatches } from './line-reader';

/**
 * Streams a JSONL dataset as batches of rows. Blank lines are not items. A line that is not a JSON object, or
 * not valid UTF-8, becomes a row with an `error` (and its line number) instead of stopping the read. A byte
 * order mark at the start is dropped (see lineChunks).
 */
export async function* readJsonlRows(source: AsyncIterable<Buffer | string>): AsyncGenerator<DatasetRow[]> {
  let seq = 0;
  for await (const batch of readLineBatches(source)) {
    const rows: DatasetRow[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      const text = batch.lines[i]!;
      if (isBlankLine(text)) continue;
      const line = batch.firstLine + i;
      rows.push(parseRow(text, seq++, line, batch.invalidUtf8?.get(i)));
    }
    if (rows.length > 0) yield rows;
  }
}

/** Blank lines are not items (a line with invalid UTF-8 never is: its bad bytes read as U+FFFD). */
export function isBlankLine(text: string): boolean {
  return text.length === 0 || text.trim().length === 0;
}

/**
 * One JSONL line as a row: parsed, or with why it could not be. `invalidUtf8At` is the offset of the line's
 * first bad byte when its bytes are not valid UTF-8 (see invalidUtf8Lines): such a line is not parsed.
 */
export function parseRow(text: string, seq: number, line: number, invalidUtf8At?: number): DatasetRow {
  if (invalidUtf8At !== undefined) return { seq, line, error: invalidUtf8Problem(invalidUtf8At) };
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
