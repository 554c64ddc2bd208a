import { RESULT_READERS, type ResultFormat } from '../providers/result-readers';
import type { Endpoint, OutputSchema } from '../spec/job-spec';
import type { FailureReason } from './item-outcome';
import { readLineInto, type LineContext, type LineSink } from './line-verdict';
import { malformedVerdict, verdictHash, type ResultVerdict } from './outcome-classifier';
import { OutputValidator } from './output-validator';

/** What every chunk of one shard's result files shares. */
export interface ResultChunkContext {
  format: ResultFormat;
  endpoint: Endpoint;
  outputSchema: OutputSchema | undefined;
  generation: number;
  round: number;
}

/** A chunk of whole result lines to read on a thread, with what its collect shares. */
export interface ResultChunkRequest {
  context: ResultChunkContext;
  chunk: Uint8Array;
}

/**
 * A chunk of result lines read into verdicts (readLineInto), in line order, for each line whose custom_id names
 * an item of this generation and round; other lines are only counted (`foreign`), and so are lines that could
 * not be read (`malformed`), which also come as verdicts when their text names an item of this round. Verdict k
 * is for item `seqs[k]`, from the line `at[k]` lines into the chunk: by `ok[k]`, 1 a valid answer, its output's
 * JSON text being the next of `outputs` (one line each, joined by line breaks); 0 a failure, its reason and
 * message being the next of `reasons` and `messages`; 2 an unreadable line, the next message being the reader's
 * error (the collecting thread, which knows the file and line numbers, makes its verdict: malformedVerdict).
 * `hashes[k]` is verdictHash of the verdict (of 1 and 0 only). Typed arrays and strings: it crosses threads
 * cheaply.
 */
export interface ReadResultChunk {
  /** Lines read (not counting blank ones). */
  lines: number;
  /** Lines the chunk spans, blank ones included: the next chunk starts that many lines further. */
  span: number;
  foreign: number;
  malformed: number;
  count: number;
  seqs: Float64Array;
  ok: Uint8Array;
  at: Int32Array;
  hashes: Int32Array;
  tokensIn: Float64Array;
  tokensOut: Float64Array;
  outputs: string;
  reasons: FailureReason[];
  messages: string[];
}

const FAILURE = 0;
const ANSWER = 1;
const UNREADABLE = 2;

/**
 * Reads a chunk of whole lines of a result file (LF or CRLF; blank lines skipped) by the same rules as reading
 * it line by line on the collecting thread (readLineInto). Never throws for a bad line.
 */
export function readResultChunk(context: ResultChunkContext, chunk: Uint8Array, validator: OutputValidator): ReadResultChunk {
  const texts = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8').split('\n');
  const n = texts.length;
  const read: ReadResultChunk = {
    lines: 0,
    span: texts[n - 1] === '' ? n - 1 : n, // a chunk ends with a line break, except maybe a file's last
    foreign: 0,
    malformed: 0,
    count: 0,
    seqs: new Float64Array(n),
    ok: new Uint8Array(n),
    at: new Int32Array(n),
    hashes: new Int32Array(n),
    tokensIn: new Float64Array(n),
    tokensOut: new Float64Array(n),
    outputs: '',
    reasons: [],
    messages: [],
  };
  const outputs: string[] = [];
  let index = 0;
  const add = (seq: number, kind: number, tokensIn: number, tokensOut: number, hash: number) => {
    const k = read.count++;
    read.seqs[k] = seq;
    read.ok[k] = kind;
    read.at[k] = index;
    read.hashes[k] = hash;
    read.tokensIn[k] = tokensIn;
    read.tokensOut[k] = tokensOut;
  };
  const sink: LineSink = {
    foreign: () => void read.foreign++,
    unreadable: (seq, error) => {
      read.malformed++;
      if (seq === undefined) return;
      add(seq, UNREADABLE, 0, 0, 0);
      read.reasons.push('malformed_result');
      read.messages.push(error);
    },
    verdict: (seq, verdict, hash) => {
      add(seq, verdict.ok ? ANSWER : FAILURE, verdict.tokensIn, verdict.tokensOut, hash);
      if (verdict.ok) {
        outputs.push(verdict.json);
      } else {
        read.reasons.push(verdict.reason);
        read.messages.push(verdict.message);
      }
    },
  };
  const at: LineContext = { reader: RESULT_READERS[context.format], validator, endpoint: context.endpoint, generation: context.generation, round: context.round };
  for (let i = 0; i < n; i++) {
    let text = texts[i]!;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (!text) continue;
    read.lines++;
    index = i;
    readLineInto(text, at, sink);
  }
  read.outputs = outputs.join('\n');
  return read;
}

/** Where a chunk's lines are: which file ('output file' or 'error file') and the 1-based number of its first line. */
export interface ChunkPlace {
  file: string;
  firstLine: number;
}

/**
 * Each verdict of a read chunk with its item's seq, its verdictHash and its line's number, in line order (the
 * other side of readResultChunk). An answer comes as its output's JSON text only (`output` undefined); an
 * unreadable line as malformedVerdict, named by `place`.
 */
export function eachVerdict(read: ReadResultChunk, place: ChunkPlace, each: (seq: number, verdict: ResultVerdict, hash: number, line: number) => void): void {
  const outputs = read.outputs.split('\n');
  let answer = 0;
  let failure = 0;
  for (let k = 0; k < read.count; k++) {
    const seq = read.seqs[k]!;
    const line = place.firstLine + read.at[k]!;
    const kind = read.ok[k];
    const tokensIn = read.tokensIn[k]!;
    const tokensOut = read.tokensOut[k]!;
    if (kind === ANSWER) {
      each(seq, { ok: true, output: undefined, json: outputs[answer++]!, tokensIn, tokensOut }, read.hashes[k]!, line);
    } else if (kind === FAILURE) {
      each(seq, { ok: false, reason: read.reasons[failure]!, message: read.messages[failure++]!, tokensIn, tokensOut }, read.hashes[k]!, line);
    } else {
      const verdict = malformedVerdict(place.file, line, read.messages[failure++]!);
      each(seq, verdict, verdictHash(verdict), line);
    }
  }
}

/** Validators by output schema, compiled once per thread (a thread serves the collects of many jobs). */
const validators = new Map<string, OutputValidator>();

/** The validator for a schema, compiled on first use; a few dozen kept. */
export function validatorFor(schema: OutputSchema | undefined): OutputValidator {
  const key = JSON.stringify(schema ?? null);
  let validator = validators.get(key);
  if (!validator) {
    if (validators.size >= 32) validators.clear();
    validator = new OutputValidator(schema);
    validators.set(key, validator);
  }
  return validator;
}
