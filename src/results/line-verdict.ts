import { readResultLine, type ResultReader } from '../providers/result-readers';
import { seqInRound } from '../spec/ids';
import type { Endpoint } from '../spec/job-spec';
import { readVerdict, verdictHash, type ResultVerdict } from './outcome-classifier';
import type { OutputValidator } from './output-validator';

/** What reading one shard attempt's result lines needs: its provider's reader, its schema, its attempt. */
export interface LineContext {
  reader: ResultReader;
  validator: OutputValidator;
  endpoint: Endpoint;
  generation: number;
  round: number;
}

/** Where a read result line goes: exactly one of these is called per line. */
export interface LineSink {
  /** A line whose custom_id is of another generation or round, or of nobody's. */
  foreign(): void;
  /**
   * A line that could not be read: the reader's error (shortened), and the seq of the item its text names when
   * that is an item of this generation and round (else undefined: the line is only counted).
   */
  unreadable(seq: number | undefined, error: string): void;
  /** A line read into a verdict on item `seq` of this generation and round; `hash` is verdictHash(verdict). */
  verdict(seq: number, verdict: ResultVerdict, hash: number): void;
}

/**
 * Reads one result line (not blank) into its item's verdict: the one way collect reads a line, line by line and
 * on result threads alike, so both ways reach the same outcomes. Never throws for a bad line.
 */
export function readLineInto(text: string, at: LineContext, sink: LineSink): void {
  const result = readResultLine(at.reader, text);
  if ('unreadable' in result) return sink.unreadable(seqInRound(result.customId, at), result.unreadable);
  const seq = seqInRound(result.customId, at);
  if (seq === undefined) return sink.foreign();
  const verdict = readVerdict(result, at.reader, at.validator, at.endpoint);
  sink.verdict(seq, verdict, verdictHash(verdict));
}
