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

/** A stream that delivers `bytes` in chunks of `size` bytes (raw bytes: for invalid UTF-8 and split characters). */
function chunkedBytes(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe('byte order mark', () => {
  it.each([1, 2, 3, 4096])('is not part of the first JSONL row (chunks of %i bytes)', async (size) => {
    const rows = await collect(readJsonlRows(chunkedBytes(Buffer.concat([BOM, Buffer.from('{"id":1}\n{"id":2}\n')]), size)));
    expect(rows).toEqual([{ seq: 0, line: 1, row: { id: 1 } }, { seq: 1, line: 2, row: { id: 2 } }]);
  });

  it.each([1, 2, 4096])('is not part of the first CSV header (chunks of %i bytes)', async (size) => {
    const rows = await collect(readCsvRows(chunkedBytes(Buffer.concat([BOM, Buffer.from('id,text\r\n1,héllo\r\n')]), size)));
    expect(rows).toEqual([{ seq: 0, line: 2, row: { id: '1', text: 'héllo' } }]);
  });

  it('is data anywhere but at the start, and a file of only a BOM has no rows', async () => {
    const rows = await collect(readJsonlRows(chunkedBytes(Buffer.from('{"t":"\uFEFFx"}\n'), 3)));
    expect(rows[0]!.row).toEqual({ t: '\uFEFFx' });
    expect(await collect(readJsonlRows(chunkedBytes(BOM, 1)))).toEqual([]);
  });
});

describe('invalid UTF-8', () => {
  // line 2 has a lone continuation byte at offset 8, line 4 a truncated 3-byte sequence at offset 9, line 5 an
  // overlong encoding of "/" at offset 7; the rest is valid, with multi-byte characters and a real U+FFFD
  const lines = [
    Buffer.from('{"t":"é✓😀"}'),
    Buffer.concat([Buffer.from('{"t":"ab'), Buffer.from([0x80]), Buffer.from('"}')]),
    Buffer.from('{"t":"\uFFFD is a character"}'),
    Buffer.concat([Buffer.from('{"t":"abc'), Buffer.from([0xe2, 0x9c]), Buffer.from('"}')]),
    Buffer.concat([Buffer.from('{"t":"a'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}\r')]),
    Buffer.from('{"t":"last 中文"}'),
  ];
  const file = Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')]));

  it.each([1, 2, 3, 5, 7, 64, 4096])('makes a line a bad row naming the byte, and splits no character (chunks of %i bytes)', async (size) => {
    const rows = await collect(readJsonlRows(chunkedBytes(file, size)));
    expect(rows.map((r) => r.error ?? r.row)).toEqual([
      { t: 'é✓😀' },
      'invalid UTF-8 (byte offset 8 in the line)',
      { t: '\uFFFD is a character' },
      'invalid UTF-8 (byte offset 9 in the line)',
      'invalid UTF-8 (byte offset 7 in the line)',
      { t: 'last 中文' },
    ]);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it.each([1, 3, 4096])('makes the CSV record holding a bad line a bad row (chunks of %i bytes)', async (size) => {
    const csv = Buffer.concat([
      Buffer.from('id,text\n1,ok é\n2,bad '),
      Buffer.from([0xff]),
      Buffer.from('\n3,"quoted\nsecond line '),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from('"\n4,fine\n'),
    ]);
    const rows = await collect(readCsvRows(chunkedBytes(csv, size)));
    expect(rows.map((r) => [r.line, r.error ?? r.row])).toEqual([
      [2, { id: '1', text: 'ok é' }],
      [3, 'invalid UTF-8 (byte offset 6 in the line)'],
      [4, 'invalid UTF-8 (line 5, byte offset 12)'],
      [6, { id: '4', text: 'fine' }],
    ]);
  });
});
