import type { ItemResult } from '../results/item-result';
import type { Endpoint } from '../spec/job-spec';
import type { ParsedAnswer } from './batch-provider';
import { extractAnthropicAnswer, parseAnthropicResultLine } from './anthropic/anthropic-answers';
import { extractOpenAiAnswer, parseOpenAiResultLine } from './openai/openai-answers';

/** How a provider's downloaded result lines read: pure functions, so any thread can use them. */
export interface ResultReader {
  parseResultLine(line: string): ItemResult;
  extractAnswer(body: unknown, endpoint: Endpoint): ParsedAnswer;
}

/**
 * The result readers by name. A provider whose `resultFormat` names one reads its results with exactly that
 * reader, so collect may read its large files on threads, which look the reader up here.
 */
export const RESULT_READERS: Readonly<Record<ResultFormat, ResultReader>> = {
  openai: { parseResultLine: parseOpenAiResultLine, extractAnswer: extractOpenAiAnswer },
  anthropic: { parseResultLine: parseAnthropicResultLine, extractAnswer: (body) => extractAnthropicAnswer(body) },
};

export type ResultFormat = 'openai' | 'anthropic';
