import { customIdOf, requestKeyOf } from '../spec/ids';
import { escapeJsonText, holeValues, identityOfValues, type BodyPlan } from './body-template';
import { isBlankLine, parseRow } from './jsonl-reader';
import { invalidUtf8Lines } from './line-reader';
import { manifestLine } from './manifest';
import { overSizeProblem, rowRequest } from './row-request';
import { estimateFromLength } from './token-estimator';

/** A provider's batch line cut around its two variable parts: head + custom_id + middle + body + tail. */
export interface LinePieces {
  head: string;
  middle: string;
  /** Ends with the line break. */
  tail: string;
}

/** What every chunk of one prepare shares. */
export interface ChunkContext {
  plan: BodyPlan;
  line: LinePieces;
  idField: string | undefined;
  taskVersion: string;
  generation: number;
  maxRequestBytes: number;
  /** Prompt tokens per character (learned from samples) and tokens every request carries besides its text. */
  tokens: { ratio: number; fixedTokens: number };
}

/** A chunk of whole lines to render on a thread, with what its prepare shares (render threads serve any prepare). */
export interface RenderRequest {
  context: ChunkContext;
  chunk: Uint8Array;
  firstLine: number;
  firstSeq: number;
}

/**
 * One chunk of whole JSONL lines rendered for round 0 of a generation: per item (blank lines are not items),
 * in order and numbered from the chunk's first seq, its input line and keys, and either its batch line and
 * manifest line (UTF-8, item i spans `..ends[i]` from the previous end) or why it is a bad row (then it spans
 * nothing and `problems[i]` says why). Plain data and typed arrays: it crosses threads cheaply.
 */
export interface RenderedChunk {
  firstSeq: number;
  items: number;
  lines: Uint32Array;
  estTokens: Uint32Array;
  dataEnds: Uint32Array;
  manifestEnds: Uint32Array;
  itemKeys: string[];
  /** Request keys; '' for bad rows. */
  requestKeys: string[];
  /** Why an item is a bad row; null for requests. */
  problems: Array<string | null>;
  data: Uint8Array;
  manifest: Uint8Array;
}

const ASCII_BLANK = new Uint8Array(128);
for (const c of [9, 10, 11, 12, 13, 32]) ASCII_BLANK[c] = 1;

/**
 * A chunk of whole lines counted in one pass: its line breaks, and its items (lines that are not blank, by
 * the reader's rule), decided from the first bytes of each line, decoding only lines that start with
 * non-ASCII white space.
 */
export function countLines(bytes: Uint8Array): { breaks: number; items: number } {
  let breaks = 0;
  let items = 0;
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(10, start);
    if (end < 0) end = bytes.length;
    else breaks++;
    let blank = true;
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      if (b < 128 && ASCII_BLANK[b]) continue;
      blank = b >= 128 && isBlankLine(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8'));
      break;
    }
    if (!blank) items++;
    start = end + 1;
  }
  return { breaks, items };
}

/**
 * Buffer's own UTF-8 encoder without the argument handling of `write` (a third of the cost for the short
 * strings written here); `write` where a runtime lacks it.
 */
const utf8Write: (buffer: Buffer, text: string, offset: number) => number =
  typeof (Buffer.prototype as { utf8Write?: unknown }).utf8Write === 'function'
    ? (buffer, text, offset) => (buffer as Buffer & { utf8Write(text: string, offset: number): number }).utf8Write(text, offset)
    : (buffer, text, offset) => buffer.write(text, offset);

/** A growable byte buffer that encodes strings (and copies bytes) into itself. */
class Bytes {
  buffer: Buffer;
  used = 0;
  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }
  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.used + bytes));
    this.buffer.copy(grown, 0, 0, this.used);
    this.buffer = grown;
  }
  write(text: string): void {
    this.reserve(text.length * 3);
    this.used += utf8Write(this.buffer, text, this.used);
  }
  copy(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }
}

/**
 * Renders a chunk of whole lines (ending at a line break, or at the end of the file) whose first line is
 * `firstLine` and whose first item is `firstSeq`, by the same rules as rendering row by row: valid UTF-8 and
 * parse (parseRow), id and template fields (rowRequest), body from the plan, request key from the values,
 * tokens from the length, size within maxRequestBytes. The chunk comes from lineChunks (no byte order mark).
 */
export function renderChunk(context: ChunkContext, chunk: Uint8Array, firstLine: number, firstSeq: number): RenderedChunk {
  const { plan, line: pieces, idField, taskVersion, generation, tokens } = context;
  const texts = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8').split('\n');
  if (texts.length > 0 && texts[texts.length - 1] === '') texts.pop();
  const invalid = invalidUtf8Lines(chunk);
  const n = texts.length;
  const out: RenderedChunk = {
    firstSeq,
    items: 0,
    lines: new Uint32Array(n),
    estTokens: new Uint32Array(n),
    dataEnds: new Uint32Array(n),
    manifestEnds: new Uint32Array(n),
    itemKeys: [],
    requestKeys: [],
    problems: [],
    data: new Uint8Array(0),
    manifest: new Uint8Array(0),
  };
  const data = new Bytes(Math.max(1 << 16, chunk.byteLength * 6));
  const manifest = new Bytes(Math.max(1 << 14, n * 96));
  // the constant parts as bytes, copied as they are: a line is never built as one string
  const literals = plan.literals.map((literal) => Buffer.from(literal));
  const tail = Buffer.from(pieces.tail);
  for (let i = 0; i < n; i++) {
    let text = texts[i]!;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (isBlankLine(text)) continue;
    const at = out.items++;
    const seq = firstSeq + at;
    const lineNo = firstLine + i;
    out.lines[at] = lineNo;
    const made = rowRequest(parseRow(text, seq, lineNo, invalid?.get(i)), idField, (row) => holeValues(plan, row));
    out.itemKeys.push(made.itemKey);
    let problem = made.problem ?? null;
    if (made.rendered) {
      const values = made.rendered;
      const start = data.used;
      data.write(pieces.head + customIdOf(seq, generation, 0) + pieces.middle);
      data.copy(literals[0]!);
      let promptChars = plan.literalChars;
      for (let h = 0; h < plan.order.length; h++) {
        const value = values[plan.order[h]!]!;
        promptChars += value.length;
        data.write(escapeJsonText(value));
        data.copy(literals[h + 1]!);
      }
      data.copy(tail);
      const over = overSizeProblem(lineNo, data.used - start, context.maxRequestBytes);
      if (over) {
        data.used = start;
        problem = over;
      } else {
        const requestKey = requestKeyOf(taskVersion, identityOfValues(values));
        const estTokens = estimateFromLength(promptChars, plan.messageCount, tokens.ratio, tokens.fixedTokens);
        manifest.write(manifestLine([seq, lineNo, estTokens, made.itemKey, requestKey]));
        out.requestKeys.push(requestKey);
        out.estTokens[at] = estTokens;
      }
    }
    if (problem !== null) out.requestKeys.push('');
    out.problems.push(problem);
    out.dataEnds[at] = data.used;
    out.manifestEnds[at] = manifest.used;
  }
  out.data = data.buffer.subarray(0, data.used);
  out.manifest = manifest.buffer.subarray(0, manifest.used);
  return out;
}
