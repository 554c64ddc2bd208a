import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { ApiError } from './api-error';

/** Largest JSON body read into memory (synchronous calls, batch create); bigger bodies are refused. */
export const MAX_JSON_BODY_BYTES = 32 * 1024 * 1024;

/** Reads a request body into memory, refusing more than `limit` bytes with 413. */
export async function readBody(req: IncomingMessage, limit = MAX_JSON_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): ApiError {
  return new ApiError(413, 'too_large', `Request body exceeds the ${limit} byte limit.`, 'request_too_large');
}

/** Reads and parses a JSON body with `schema`; a parse failure is a 400 naming the bad path. */
export async function readJson<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const raw = await readBody(req);
  let value: unknown;
  try {
    value = raw.length ? JSON.parse(raw.toString('utf8')) : {};
  } catch {
    throw new ApiError(400, 'invalid_request', 'We could not parse the JSON body of your request.');
  }
  return parseWith(schema, value);
}

/** Parses `value` with `schema`; failures become 400 invalid_request with the first issue's path as param. */
export function parseWith<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue?.path.length ? issue.path.join('.') : null;
  throw new ApiError(400, 'invalid_request', `Invalid request: ${z.prettifyError(parsed.error)}`, null, param);
}

/** Sends a JSON answer (request ids are the HTTP layer's: server.ts sets them before any handler runs). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Streams a file as the answer (never loaded whole). */
export async function sendFile(res: ServerResponse, filePath: string, bytes: number, contentType: string): Promise<void> {
  res.writeHead(200, { 'content-type': contentType, 'content-length': bytes });
  if (bytes === 0) return void res.end();
  await pipeline(createReadStream(filePath, { start: 0, end: bytes - 1 }), res);
}

/** Waits real milliseconds (latency of synchronous calls). */
export function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
