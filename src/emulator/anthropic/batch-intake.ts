import type { IncomingMessage } from 'node:http';
import { open } from 'node:fs/promises';
import { z } from 'zod';
import { ApiError } from '../http/api-error';
import { JsonArraySplitter, JsonShapeError } from '../json-array-splitter';

/** Anthropic's custom_id rule (the strictest of the providers). */
export const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** One element of `requests`: checked at create; `params` are checked when the request is processed. */
export const BatchRequestSchema = z.object({
  custom_id: z.string().regex(CUSTOM_ID_PATTERN, `String should match pattern '${CUSTOM_ID_PATTERN.source}'`),
  params: z.looseObject({ model: z.string().min(1), stream: z.boolean().optional() }),
});

export interface IntakeLimits {
  maxRequests: number;
  maxBytes: number;
}

/** What a create body held, now written as normalized JSONL (`{custom_id, params}` per line). */
export interface Intake {
  total: number;
  models: string[];
  customIds: string[];
}

/**
 * Streams an Anthropic batch-create body into `targetPath` as JSONL, one request per line, validating as it
 * goes: custom_id pattern and uniqueness, params.model, no `stream: true` (400 invalid_request_error with
 * the request's index), at most `maxRequests` requests and `maxBytes` bytes (413 request_too_large).
 */
export async function intakeBatchBody(req: IncomingMessage, targetPath: string, limits: IntakeLimits): Promise<Intake> {
  const tooLarge = () => new ApiError(413, 'too_large', `Request exceeds the batch limits of ${limits.maxRequests} requests and ${limits.maxBytes} bytes.`, 'request_too_large');
  if (Number(req.headers['content-length'] ?? 0) > limits.maxBytes) throw tooLarge();
  const splitter = new JsonArraySplitter('requests');
  const intake: Intake = { total: 0, models: [], customIds: [] };
  const seen = new Set<string>();
  const models = new Set<string>();
  const out = await open(targetPath, 'w');
  let bytes = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > limits.maxBytes) throw tooLarge();
      let text = '';
      for (const element of splitter.push(chunk)) {
        const index = intake.total;
        intake.total += 1;
        if (intake.total > limits.maxRequests) throw tooLarge();
        const request = parseRequest(element, index);
        if (seen.has(request.custom_id)) throw invalid(`requests.${index}.custom_id: Duplicate custom_id '${request.custom_id}'; custom_id must be unique within a batch.`);
        seen.add(request.custom_id);
        models.add(request.params.model);
        intake.customIds.push(request.custom_id);
        text += `${JSON.stringify(request)}\n`;
      }
      if (text) await out.write(text);
    }
    splitter.end();
  } catch (err) {
    if (err instanceof JsonShapeError) throw invalid(err.message);
    throw err;
  } finally {
    await out.close();
  }
  if (intake.total === 0) throw invalid('requests: List should have at least 1 item.');
  intake.models = [...models];
  return intake;
}

function parseRequest(element: Buffer, index: number): z.infer<typeof BatchRequestSchema> {
  let value: unknown;
  try {
    value = JSON.parse(element.toString('utf8'));
  } catch {
    throw invalid(`requests.${index}: not valid JSON.`);
  }
  const parsed = BatchRequestSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(`requests.${index}.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  if (parsed.data.params.stream) throw invalid(`requests.${index}.params.stream: streaming is not supported in message batches.`);
  return parsed.data;
}

function invalid(message: string): ApiError {
  return new ApiError(400, 'invalid_request', message);
}
