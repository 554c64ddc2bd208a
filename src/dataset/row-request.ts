import { itemKeyOf, lineKey } from '../spec/ids';
import type { DatasetRow } from './dataset-row';
import { MissingFieldError } from './prompt-template';

/** A row turned into a request, or why it cannot be one (a bad row: failed permanently with its line). */
export type RowRequest<R> = { itemKey: string; rendered: R; problem?: undefined } | { itemKey: string; problem: string; rendered?: undefined };

/**
 * The one place a dataset row becomes a request or a bad row: unparseable rows, rows without their id field
 * and rows missing a template field are bad rows whose problem names the line. Other errors propagate.
 */
export function rowRequest<R>(row: DatasetRow, idField: string | undefined, render: (row: Record<string, unknown>) => R): RowRequest<R> {
  const where = `line ${row.line}`;
  if (row.error !== undefined) return { problem: `${where}: ${row.error}`, itemKey: lineKey(row.line) };
  const itemKey = itemKeyOf(row.row, idField);
  if (itemKey === undefined) return { problem: `${where}: missing id field "${idField}"`, itemKey: lineKey(row.line) };
  try {
    return { itemKey, rendered: render(row.row) };
  } catch (err) {
    if (err instanceof MissingFieldError) return { problem: `${where}: ${err.message}`, itemKey };
    throw err;
  }
}

/** Why a request line of `bytes` bytes is a bad row, or undefined when it is within the limit. */
export function overSizeProblem(line: number, bytes: number, maxRequestBytes: number): string | undefined {
  return bytes > maxRequestBytes ? `line ${line}: request is ${bytes} bytes, over limits.maxRequestBytes (${maxRequestBytes})` : undefined;
}
