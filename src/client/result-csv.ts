import { CSV_COLUMNS, toCsvRow, type ResultLine } from '../results/result-line';

/** The columns of results as CSV, in order (`output` holds the answer as JSON text). */
export const RESULT_CSV_COLUMNS: readonly string[] = CSV_COLUMNS;

/** Results as CSV text lines without line ends: the header (RESULT_CSV_COLUMNS), then one row per result. */
export async function* resultCsvLines(results: AsyncIterable<ResultLine>): AsyncGenerator<string> {
  yield RESULT_CSV_COLUMNS.join(',');
  for await (const line of results) yield toCsvRow(line);
}
