import { z } from 'zod';
import { readLines } from '../jsonl-lines';
import { estimateTokens } from '../model/text-features';
import type { ValidationError } from '../state';
import { contentText } from './request-schemas';

/** One line of a batch input file, as the Batch API requires it. */
export const BatchInputLineSchema = z.looseObject({
  custom_id: z.string().min(1).max(512),
  method: z.literal('POST'),
  url: z.string(),
  body: z.record(z.string(), z.unknown()),
});
export type BatchInputLine = z.infer<typeof BatchInputLineSchema>;

/** What a streaming pass over an input file found. */
export interface InputScan {
  /** Validation errors with 1-based line numbers (at most MAX_REPORTED). */
  errors: ValidationError[];
  /** Request lines (blank lines are not requests). */
  total: number;
  model: string | null;
  /** Estimated prompt tokens of all requests (for the enqueued-token quota). */
  promptTokens: number;
  /** The custom_ids in file order (for the submission counts). */
  customIds: string[];
}

const MAX_REPORTED = 100;

export interface ScanLimits {
  maxRequests: number;
  /** Embedding batches: inputs across all requests. */
  maxEmbeddingInputs: number;
}

/**
 * Validates a batch input file in one streaming pass, as the Batch API does during `validating`: every line
 * valid JSON of the right shape (invalid_json_line, missing_required_parameter), `url` equal to the batch
 * endpoint (url_mismatch), unique custom_ids (duplicate_custom_id), one model (model_mismatch), at least one
 * request (empty_file), at most `maxRequests` requests and `maxEmbeddingInputs` embedding inputs (too_many_tasks).
 */
export async function scanBatchInput(filePath: string, endpoint: string, limits: ScanLimits): Promise<InputScan> {
  const scan: InputScan = { errors: [], total: 0, model: null, promptTokens: 0, customIds: [] };
  let embeddingInputs = 0;
  const seen = new Set<string>();
  const fail = (code: string, message: string, line: number | null, param: string | null = null) => {
    if (scan.errors.length < MAX_REPORTED) scan.errors.push({ code, message, line, param });
  };
  for await (const { text, number } of readLines(filePath)) {
    if (!text.trim()) continue;
    scan.total += 1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      fail('invalid_json_line', 'This line is not parseable as valid JSON.', number);
      continue;
    }
    const parsed = BatchInputLineSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      fail('missing_required_parameter', `Invalid request line: ${issue?.path.join('.') || 'line'}: ${issue?.message ?? 'invalid'}.`, number, issue?.path.join('.') ?? null);
      continue;
    }
    const line = parsed.data;
    if (line.url !== endpoint) fail('url_mismatch', `The url '${line.url}' does not match the batch endpoint '${endpoint}'.`, number, 'url');
    if (seen.has(line.custom_id)) fail('duplicate_custom_id', `The custom_id '${line.custom_id}' is used more than once in this file.`, number, 'custom_id');
    seen.add(line.custom_id);
    scan.customIds.push(line.custom_id);
    const model = typeof line.body.model === 'string' ? line.body.model : null;
    if (model && scan.model && model !== scan.model) fail('model_mismatch', `The model '${model}' differs from '${scan.model}' used earlier in this file; a batch uses one model.`, number, 'body.model');
    scan.model ??= model;
    scan.promptTokens += promptTokensOf(line.body);
    if (endpoint === '/v1/embeddings') embeddingInputs += Array.isArray(line.body.input) && typeof line.body.input[0] !== 'number' ? line.body.input.length : 1;
  }
  if (scan.total === 0) fail('empty_file', 'The batch input file is empty.', null);
  if (scan.total > limits.maxRequests) fail('too_many_tasks', `The batch input file has ${scan.total} requests; the limit is ${limits.maxRequests}.`, null);
  if (embeddingInputs > limits.maxEmbeddingInputs) {
    fail('too_many_tasks', `The batch has ${embeddingInputs} embedding inputs; the limit is ${limits.maxEmbeddingInputs} across all requests.`, null);
  }
  return scan;
}

/** Estimated prompt tokens of a request body (messages, input or instructions text). */
export function promptTokensOf(body: Record<string, unknown>): number {
  const parts: string[] = [];
  if (Array.isArray(body.messages)) for (const m of body.messages) parts.push(contentText((m as { content?: unknown }).content));
  if (typeof body.input === 'string') parts.push(body.input);
  else if (Array.isArray(body.input)) for (const item of body.input) parts.push(typeof item === 'string' ? item : contentText((item as { content?: unknown }).content));
  if (typeof body.instructions === 'string') parts.push(body.instructions);
  return estimateTokens(parts.join('\n')) + 7;
}
