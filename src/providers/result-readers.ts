import type { ItemResult } from '../results/item-result';
import type { Endpoint } from '../spec/job-spec';
import type { ParsedAnswer } from './batch-provider';
import type * as AnthropicAnswers from './anthropic/anthropic-answers';
import { extractOpenAiAnswer, parseOpenAiResultLine } from './openai/openai-answers';

/** How a provider's downloaded result lines read: pure functions, so any thread can use them. */
export interface ResultReader {
  parseResultLine(line: string): ItemResult;
  extractAnswer(body: unknown, endpoint: Endpoint): ParsedAnswer;
}

let anthropicReader: ResultReader | undefined;

/**
 * Anthropic's reader, loaded on first use: its line schemas are zod's, which a result thread of an OpenAI job
 * would otherwise load for nothing (~5 MB of RSS a thread).
 */
function anthropic(): ResultReader {
  if (!anthropicReader) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const answers = require('./anthropic/anthropic-answers') as typeof AnthropicAnswers;
    anthropicReader = { parseResultLine: answers.parseAnthropicResultLine, extractAnswer: (body) => answers.extractAnthropicAnswer(body) };
  }
  return anthropicReader;
}

/**
 * The result readers by name. A provider whose `resultFormat` names one reads its results with exactly that
 * reader, so collect may read its large files on threads, which look the reader up here.
 */
export const RESULT_READERS: Readonly<Record<ResultFormat, ResultReader>> = {
  openai: { parseResultLine: parseOpenAiResultLine, extractAnswer: extractOpenAiAnswer },
  get anthropic() {
    return anthropic();
  },
};

export type ResultFormat = 'openai' | 'anthropic';

/**
 * A result line its reader could not read (not JSON, cut short, not the provider's line shape): why, shortened
 * to `UNREADABLE_ERROR_CHARS`, and the custom_id its text names (customIdIn), if any.
 */
export interface UnreadableLine {
  unreadable: string;
  customId: string | undefined;
}

/** How much of a parse error an unreadable line keeps: enough to see what broke, not the whole line. */
export const UNREADABLE_ERROR_CHARS = 160;

/**
 * Reads one result line, never throwing: the reader's ItemResult, or an UnreadableLine when the reader throws.
 * The one way collect reads a line, line by line and on result threads alike. A line that reads costs one call
 * more than the reader itself (a try that does not throw is free on V8); only an unreadable one is scanned.
 */
export function readResultLine(reader: Pick<ResultReader, 'parseResultLine'>, text: string): ItemResult | UnreadableLine {
  try {
    return reader.parseResultLine(text);
  } catch (err) {
    return unreadableLine(text, err);
  }
}

function unreadableLine(text: string, err: unknown): UnreadableLine {
  const message = err instanceof Error ? err.message : String(err);
  const unreadable = message.length > UNREADABLE_ERROR_CHARS ? `${message.slice(0, UNREADABLE_ERROR_CHARS)}…` : message;
  return { unreadable, customId: customIdIn(text) };
}

/**
 * The custom_id a result line's text names, found without parsing it: the first `"custom_id"` key followed by
 * a string value, as both providers write it (near the start of the line, so a line cut short usually still
 * names its item). Undefined when there is none, or its value is cut off or holds an escape (our custom_ids
 * never do). A `"custom_id"` inside a JSON string is escaped (`\"custom_id\"`), so it does not match.
 */
export function customIdIn(text: string): string | undefined {
  const key = text.indexOf('"custom_id"');
  if (key < 0) return undefined;
  let at = skipSpaces(text, key + '"custom_id"'.length);
  if (text.charCodeAt(at) !== 58) return undefined; // ':'
  at = skipSpaces(text, at + 1);
  if (text.charCodeAt(at) !== 34) return undefined; // '"'
  const end = text.indexOf('"', at + 1);
  if (end < 0) return undefined;
  const value = text.slice(at + 1, end);
  return value.includes('\\') ? undefined : value;
}

function skipSpaces(text: string, at: number): number {
  let c = text.charCodeAt(at);
  while (c === 32 || c === 9 || c === 10 || c === 13) c = text.charCodeAt(++at);
  return at;
}
