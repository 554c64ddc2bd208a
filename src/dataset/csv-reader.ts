import type { DatasetRow } from './dataset-row';
import { invalidUtf8Lines, invalidUtf8Problem, lineChunks } from './line-reader';

/**
 * Streams an RFC 4180 CSV dataset (first record = header) as batches of rows keyed by header names. Quoted
 * fields may hold commas, doubled quotes and newlines; `line` is where a record starts. A record with the
 * wrong number of fields, or with a line that is not valid UTF-8, becomes a row with an `error`. Values stay
 * strings. A byte order mark at the start is dropped (see lineChunks).
 */
export async function* readCsvRows(source: AsyncIterable<Buffer | string>): AsyncGenerator<DatasetRow[]> {
  const parser = new CsvRecordParser();
  let header: string[] | undefined;
  let seq = 0;
  const toRows = (records: CsvRecord[]): DatasetRow[] => {
    const rows: DatasetRow[] = [];
    for (const record of records) {
      if (!header) {
        header = record.fields.map((f) => f.trim());
        continue;
      }
      if (record.fields.length === 1 && record.fields[0] === '') continue;
      rows.push(toRow(header, record, seq++));
    }
    return rows;
  };
  for await (const chunk of lineChunks(source)) {
    const rows = toRows(pushChunk(parser, chunk));
    if (rows.length > 0) yield rows;
  }
  const rows = toRows(parser.end(''));
  if (rows.length > 0) yield rows;
}

/**
 * Feeds a chunk of whole lines to the parser: at once when it is valid UTF-8, else line by line, marking the
 * record each bad line belongs to (at a line's start the parser is inside that line's record).
 */
function pushChunk(parser: CsvRecordParser, chunk: Buffer): CsvRecord[] {
  const invalid = invalidUtf8Lines(chunk);
  if (!invalid) return parser.push(chunk.toString('utf8'));
  const out: CsvRecord[] = [];
  let start = 0;
  for (let index = 0; start < chunk.length; index++) {
    const end = chunk.indexOf(10, start);
    const stop = end < 0 ? chunk.length : end + 1;
    const offset = invalid.get(index);
    if (offset !== undefined) parser.markInvalidUtf8(offset);
    out.push(...parser.push(chunk.toString('utf8', start, stop)));
    start = stop;
  }
  return out;
}

function toRow(header: string[], record: CsvRecord, seq: number): DatasetRow {
  if (record.error) return { seq, line: record.line, error: record.error };
  if (record.fields.length !== header.length) {
    return { seq, line: record.line, error: `expected ${header.length} fields (as in the header), got ${record.fields.length}` };
  }
  const row: Record<string, unknown> = {};
  for (let i = 0; i < header.length; i++) row[header[i]!] = record.fields[i];
  return { seq, line: record.line, row };
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;

/** Where the run of plain characters (no comma, quote or line break) that goes on at `from` ends. */
function plainRunEnd(text: string, from: number): number {
  let i = from;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === COMMA || c === QUOTE || c === LF || c === CR) break;
  }
  return i;
}

interface CsvRecord {
  line: number;
  fields: string[];
  error?: string;
}

/** Incremental CSV tokenizer: feed text, get complete records; keeps the partial record between pushes. */
class CsvRecordParser {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  private quoteClosed = false;
  private line = 1;
  private recordLine = 1;
  private pendingCr = false;
  private error: string | undefined;

  /**
   * Runs of plain text are found by scanning and added with one slice each (not a character at a time): the
   * reader's speed on real files is in these runs and in quoted fields, found with indexOf.
   */
  push(text: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let i = 0;
    while (i < text.length) {
      if (this.inQuotes) {
        i = this.pushQuoted(text, i);
        continue;
      }
      const ch = text.charCodeAt(i);
      if (this.pendingCr) {
        this.pendingCr = false;
        if (ch === LF) {
          i++;
          continue;
        }
      }
      if (ch === QUOTE) {
        this.openQuote();
      } else if (ch === COMMA) {
        this.endField();
      } else if (ch === LF || ch === CR) {
        if (ch === CR) this.pendingCr = true;
        out.push(this.endRecord());
        this.line++;
        this.recordLine = this.line;
      } else {
        const stop = plainRunEnd(text, i + 1);
        if (this.quoteClosed) this.error ??= `text after a closing quote (field ${this.fields.length + 1})`;
        this.field += text.slice(i, stop);
        i = stop;
        continue;
      }
      i++;
    }
    return out;
  }

  /** Reads inside a quoted field from `i`; returns where to go on (past the closing quote, or the text's end). */
  private pushQuoted(text: string, i: number): number {
    const quote = text.indexOf('"', i);
    const stop = quote < 0 ? text.length : quote;
    for (let nl = text.indexOf('\n', i); nl >= 0 && nl < stop; nl = text.indexOf('\n', nl + 1)) this.line++;
    this.field += text.slice(i, stop);
    if (quote < 0) return stop;
    if (text.charCodeAt(quote + 1) === QUOTE) {
      this.field += '"';
      return quote + 2;
    }
    // at a chunk's end this may be the first of a doubled pair: the next push reopens the quote
    this.inQuotes = false;
    this.quoteClosed = true;
    return quote + 1;
  }

  private openQuote(): void {
    if (this.quoteClosed) {
      // `""` split across chunks, or a stray quote right after a closed one
      this.field += '"';
      this.inQuotes = true;
      this.quoteClosed = false;
    } else if (this.field.length === 0) {
      this.inQuotes = true;
    } else {
      this.error ??= `unexpected quote inside an unquoted field (field ${this.fields.length + 1})`;
      this.field += '"';
    }
  }

  /** The line being read (at its start) is not valid UTF-8: the record it belongs to is a bad row. */
  markInvalidUtf8(offset: number): void {
    this.error ??= invalidUtf8Problem(offset, this.line === this.recordLine ? undefined : this.line);
  }

  end(text: string): CsvRecord[] {
    const out = this.push(text);
    if (this.inQuotes) this.error ??= 'unterminated quoted field';
    if (this.fields.length > 0 || this.field.length > 0 || this.inQuotes) out.push(this.endRecord());
    return out;
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.quoteClosed = false;
  }

  private endRecord(): CsvRecord {
    this.endField();
    const record: CsvRecord = { line: this.recordLine, fields: this.fields, ...(this.error ? { error: this.error } : {}) };
    this.fields = [];
    this.error = undefined;
    this.inQuotes = false;
    return record;
  }
}
