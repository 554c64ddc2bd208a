import { isUtf8 } from 'node:buffer';

/** A batch of consecutive lines; `firstLine` is the 1-based number of `lines[0]` in the source. */
export interface LineBatch {
  firstLine: number;
  lines: string[];
  /**
   * Lines whose bytes are not valid UTF-8, by index in `lines`, each with the 0-based byte offset of its first
   * bad byte; absent when every line is valid. Such a line's text has U+FFFD where the bad bytes were.
   */
  invalidUtf8?: ReadonlyMap<number, number>;
}

const LF = 10;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Cuts a byte stream into chunks of whole lines: each chunk ends with a line break, except the last when the
 * stream does not end with one. A UTF-8 byte order mark at the start of the stream is not data and is dropped
 * here, the one place that does it. Linear in the stream's length however long a line is: a partial line is
 * kept as its pieces and joined once, when its line break arrives. A chunk may share memory with the source's
 * buffers (copy it before transferring it to a thread).
 */
export async function* lineChunks(source: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer> {
  let partial: Buffer[] = [];
  let first = true;
  const whole = (bytes: Buffer): Buffer => {
    const joined = partial.length > 0 ? Buffer.concat([...partial, bytes]) : bytes;
    partial = [];
    if (!first) return joined;
    first = false;
    // the first chunk starts at the stream's first byte and holds its whole first line, so a BOM is all in it
    return joined.subarray(0, 3).equals(BOM) ? joined.subarray(3) : joined;
  };
  for await (const raw of source) {
    const piece = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const cut = piece.lastIndexOf(LF);
    if (cut < 0) {
      partial.push(piece);
      continue;
    }
    const chunk = whole(piece.subarray(0, cut + 1));
    if (cut + 1 < piece.length) partial.push(piece.subarray(cut + 1));
    if (chunk.length > 0) yield chunk;
  }
  if (partial.length > 0) {
    const chunk = whole(Buffer.alloc(0));
    if (chunk.length > 0) yield chunk;
  }
}

/**
 * Splits a byte stream into lines (LF or CRLF), yielding them in batches per chunk read, so a million lines
 * cost a few hundred awaits, not a million. Memory holds one chunk plus one partial line; a line is decoded
 * whole, so multi-byte characters split across reads decode correctly. A final line without a newline is
 * yielded too. Lines that are not valid UTF-8 are named in `invalidUtf8` (the check costs a fraction of the
 * decoding: only chunks that fail it are looked at line by line).
 */
export async function* readLineBatches(source: AsyncIterable<Buffer | string>): AsyncGenerator<LineBatch> {
  let nextLine = 1;
  for await (const chunk of lineChunks(source)) {
    const lines = chunk.toString('utf8').split('\n');
    if (chunk[chunk.length - 1] === LF) lines.pop();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
    }
    const invalid = invalidUtf8Lines(chunk);
    yield invalid ? { firstLine: nextLine, lines, invalidUtf8: invalid } : { firstLine: nextLine, lines };
    nextLine += lines.length;
  }
}

/**
 * The lines of a chunk of whole lines that are not valid UTF-8: index of the line in the chunk (as in
 * splitting its text at `\n`) to the 0-based byte offset of the line's first bad byte; undefined when the
 * whole chunk is valid (checked at once, fast). A line break never falls inside a UTF-8 sequence, so lines
 * can be judged one by one.
 */
export function invalidUtf8Lines(bytes: Uint8Array): Map<number, number> | undefined {
  if (isUtf8(bytes)) return undefined;
  const found = new Map<number, number>();
  let start = 0;
  for (let index = 0; start <= bytes.length; index++) {
    let end = bytes.indexOf(LF, start);
    if (end < 0) end = bytes.length;
    const line = bytes.subarray(start, end);
    if (!isUtf8(line)) found.set(index, firstInvalidByte(line));
    start = end + 1;
  }
  return found;
}

/** Why a line with invalid UTF-8 is a bad row: the offset of its first bad byte, and its line when not the row's first. */
export function invalidUtf8Problem(offset: number, line?: number): string {
  return line === undefined ? `invalid UTF-8 (byte offset ${offset} in the line)` : `invalid UTF-8 (line ${line}, byte offset ${offset})`;
}

/**
 * The offset of the first byte that does not start a well-formed UTF-8 sequence (Unicode table 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF), the same rule as `isUtf8`; the length when none.
 */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const form = sequenceForm(lead);
    if (!form || i + form.length > bytes.length) return i;
    const second = bytes[i + 1]!;
    if (second < form.low || second > form.high) return i;
    for (let k = 2; k < form.length; k++) {
      const next = bytes[i + k]!;
      if (next < 0x80 || next > 0xbf) return i;
    }
    i += form.length;
  }
  return bytes.length;
}

/** A lead byte's sequence length and the range its second byte must fall in; undefined for bytes that lead nothing. */
function sequenceForm(lead: number): { length: number; low: number; high: number } | undefined {
  if (lead >= 0xc2 && lead <= 0xdf) return { length: 2, low: 0x80, high: 0xbf };
  if (lead === 0xe0) return { length: 3, low: 0xa0, high: 0xbf };
  if (lead === 0xed) return { length: 3, low: 0x80, high: 0x9f };
  if (lead >= 0xe1 && lead <= 0xef) return { length: 3, low: 0x80, high: 0xbf };
  if (lead === 0xf0) return { length: 4, low: 0x90, high: 0xbf };
  if (lead >= 0xf1 && lead <= 0xf3) return { length: 4, low: 0x80, high: 0xbf };
  if (lead === 0xf4) return { length: 4, low: 0x80, high: 0x8f };
  return undefined;
}
