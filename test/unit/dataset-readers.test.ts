import { Readable } from 'node:stream';
import { readCsvRows } from '../../src/dataset/csv-reader';
import type { DatasetRow } from '../../src/dataset/dataset-row';
import { readJsonlRows } from '../../src/dataset/jsonl-reader';

/** A stream that delivers `text` in chunks of `size` bytes, to cross every boundary. */
function chunked(text: string, size: number): Readable {
  const bytes = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

async function collect(batches: AsyncGenerator<DatasetRow[]>): Promise<DatasetRow[]> {
  const rows: DatasetRow[] = [];
  for await (const batch of batches) rows.push(...batch);
  return rows;
}

describe('JSONL reader', () => {
  const text = '{"id":1,"t":"héllo ✓"}\n\n{"id":2}\r\nnot json\n[1,2]\n{"id":5,"t":"last, no newline"}';

  it.each([1, 3, 7, 64, 4096])('reads rows with their line numbers and reports bad lines (chunks of %i bytes)', async (size) => {
    const rows = await collect(readJsonlRows(chunked(text, size)));
    expect(rows.map((r) => [r.seq, r.line])).toEqual([[0, 1], [1, 3], [2, 4], [3, 5], [4, 6]]);
    expect(rows[0]!.row).toEqual({ id: 1, t: 'héllo ✓' });
    expect(rows[2]!.error).toMatch(/^invalid JSON/);
    expect(rows[3]!.error).toBe('expected a JSON object, got an array');
    expect(rows[4]!.row).toEqual({ id: 5, t: 'last, no newline' });
  });
});

describe('CSV reader', () => {
  const text = 'id,subject,body\r\n1,Hello,"multi\nline, with ""quotes"""\n2,Plain,text\n3,short\n4,"a",b\n';

  it.each([1, 2, 5, 4096])('handles quotes, embedded newlines and CRLF (chunks of %i bytes)', async (size) => {
    const rows = await collect(readCsvRows(chunked(text, size)));
    expect(rows.map((r) => [r.seq, r.line])).toEqual([[0, 2], [1, 4], [2, 5], [3, 6]]);
    expect(rows[0]!.row).toEqual({ id: '1', subject: 'Hello', body: 'multi\nline, with "quotes"' });
    expect(rows[1]!.row).toEqual({ id: '2', subject: 'Plain', body: 'text' });
    expect(rows[2]!.error).toBe('expected 3 fields (as in the header), got 2');
    expect(rows[3]!.row).toEqual({ id: '4', subject: 'a', body: 'b' });
  });

  it('reports an unterminated quote on the record where it starts', async () => {
    const rows = await collect(readCsvRows(chunked('a,b\n1,"never closed\n2,x\n', 4)));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ line: 2, error: 'unterminated quoted field' });
  });
});
