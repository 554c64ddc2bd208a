import { RESULT_READERS, type ResultFormat } from '../providers/result-readers';
import { seqInRound } from '../spec/ids';
import type { Endpoint, OutputSchema } from '../spec/job-spec';
import type { FailureReason } from './item-outcome';
import { readVerdict, type ResultVerdict } from './outcome-classifier';
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
 * A chunk of result lines read into verdicts (readVerdict), in line order, for each line whose custom_id names
 * an item of this generation and round; other lines are only counted (`foreign`). Verdict k is for item
 * `seqs[k]`: a valid answer when `ok[k]` is 1, its output's JSON text being the next of `outputs` (one line
 * each, joined by line breaks), else a failure, its reason and message being the next of `reasons` and
 * `messages`. Typed arrays and strings: it crosses threads cheaply.
 */
export interface ReadResultChunk {
  /** Lines read (not counting blank ones). */
  lines: number;
  foreign: number;
  count: number;
  seqs: Float64Array;
  ok: Uint8Array;
  tokensIn: Float64Array;
  tokensOut: Float64Array;
  outputs: string;
  reasons: FailureReason[];
  messages: string[];
}

/**
 * Reads a chunk of whole lines of a result file (LF or CRLF; blank lines skipped) by the same rules as reading
 * it line by line on the collecting thread. A line the provider's reader cannot parse throws, as it would there.
 */
export function readResultChunk(context: ResultChunkContext, chunk: Uint8Array, validator: OutputValidator): ReadResultChunk {
  const reader = RESULT_READERS[context.format];
  const texts = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8').split('\n');
  const n = texts.length;
  const read: ReadResultChunk = {
    lines: 0,
    foreign: 0,
    count: 0,
    seqs: new Float64Array(n),
    ok: new Uint8Array(n),
    tokensIn: new Float64Array(n),
    tokensOut: new Float64Array(n),
    outputs: '',
    reasons: [],
    messages: [],
  };
  const outputs: string[] = [];
  for (let i = 0; i < n; i++) {
    let text = texts[i]!;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (!text) continue;
    read.lines++;
    const result = reader.parseResultLine(text);
    const seq = seqInRound(result.customId, context);
    if (seq === undefined) {
      read.foreign++;
      continue;
    }
    const verdict = readVerdict(result, reader, validator, context.endpoint);
    const k = read.count++;
    read.seqs[k] = seq;
    read.tokensIn[k] = verdict.tokensIn;
    read.tokensOut[k] = verdict.tokensOut;
    if (verdict.ok) {
      read.ok[k] = 1;
      outputs.push(verdict.json ?? JSON.stringify(verdict.output ?? null));
    } else {
      read.reasons.push(verdict.reason);
      read.messages.push(verdict.message);
    }
  }
  read.outputs = outputs.join('\n');
  return read;
}

/**
 * Each verdict of a read chunk with its item's seq, in line order (the other side of readResultChunk). An answer
 * comes as its output's JSON text only (`output` undefined).
 */
export function eachVerdict(read: ReadResultChunk, each: (seq: number, verdict: ResultVerdict) => void): void {
  const outputs = read.outputs.split('\n');
  let answer = 0;
  let failure = 0;
  for (let k = 0; k < read.count; k++) {
    const tokensIn = read.tokensIn[k]!;
    const tokensOut = read.tokensOut[k]!;
    each(
      read.seqs[k]!,
      read.ok[k] === 1
        ? { ok: true, output: undefined, json: outputs[answer++], tokensIn, tokensOut }
        : { ok: false, reason: read.reasons[failure]!, message: read.messages[failure++]!, tokensIn, tokensOut },
    );
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
