import type { IncomingMessage } from 'node:http';
import { open, type FileHandle } from 'node:fs/promises';
import { ApiError } from './api-error';

const MAX_FIELD_BYTES = 64 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;

/** A multipart body: its small text fields, and the one file part, already on disk. */
export interface MultipartUpload {
  fields: Record<string, string>;
  file?: { field: string; filename: string; path: string; bytes: number };
}

interface Part {
  name: string;
  filename?: string;
  chunks: Buffer[];
  size: number;
  handle?: FileHandle;
}

/**
 * Parses multipart/form-data as a stream: text fields are kept (up to 64 KB each), the file part is written
 * straight to `filePath` chunk by chunk, never held whole. A file over `maxFileBytes` is a 413.
 */
export async function parseMultipart(req: IncomingMessage, filePath: string, maxFileBytes: number): Promise<MultipartUpload> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(req.headers['content-type'] ?? '');
  if (!boundary) throw new ApiError(400, 'invalid_request', 'Expected a multipart/form-data body with a boundary.');
  const delimiter = Buffer.from(`\r\n--${boundary[1] ?? boundary[2]}`);
  const upload: MultipartUpload = { fields: {} };
  let state: 'preamble' | 'after' | 'headers' | 'body' | 'done' = 'preamble';
  let buffer = Buffer.from('\r\n');
  let part: Part | undefined;

  const emit = async (data: Buffer) => {
    if (!part || data.length === 0) return;
    part.size += data.length;
    if (part.handle) {
      if (part.size > maxFileBytes) throw new ApiError(413, 'too_large', `File exceeds the ${maxFileBytes} byte limit.`, 'file_too_large');
      await part.handle.write(data);
    } else {
      if (part.size > MAX_FIELD_BYTES) throw new ApiError(400, 'invalid_request', `Form field ${part.name} is too long.`);
      part.chunks.push(data);
    }
  };
  const finish = async () => {
    if (!part) return;
    if (part.handle) {
      await part.handle.close();
      upload.file = { field: part.name, filename: part.filename ?? 'upload', path: filePath, bytes: part.size };
    } else upload.fields[part.name] = Buffer.concat(part.chunks).toString('utf8');
    part = undefined;
  };

  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (state === 'preamble' || state === 'body') {
          const at = buffer.indexOf(delimiter);
          if (at < 0) {
            const keep = Math.min(buffer.length, delimiter.length - 1);
            if (state === 'body') await emit(buffer.subarray(0, buffer.length - keep));
            buffer = buffer.subarray(buffer.length - keep);
            break;
          }
          if (state === 'body') {
            await emit(buffer.subarray(0, at));
            await finish();
          }
          buffer = buffer.subarray(at + delimiter.length);
          state = 'after';
        } else if (state === 'after') {
          if (buffer.length < 2) break;
          const marker = buffer.subarray(0, 2).toString('latin1');
          if (marker === '--') state = 'done';
          else if (marker === '\r\n') state = 'headers';
          else throw new ApiError(400, 'invalid_request', 'Malformed multipart body.');
          buffer = buffer.subarray(2);
        } else if (state === 'headers') {
          const end = buffer.indexOf('\r\n\r\n');
          if (end < 0) {
            if (buffer.length > MAX_HEADER_BYTES) throw new ApiError(400, 'invalid_request', 'Multipart part headers too long.');
            break;
          }
          part = await startPart(buffer.subarray(0, end).toString('utf8'), upload, filePath);
          buffer = buffer.subarray(end + 4);
          state = 'body';
        } else break;
      }
    }
  } finally {
    await part?.handle?.close().catch(() => undefined);
  }
  if (state !== 'done') throw new ApiError(400, 'invalid_request', 'Truncated multipart body.');
  return upload;
}

async function startPart(headerText: string, upload: MultipartUpload, filePath: string): Promise<Part> {
  const disposition = /^content-disposition:(.*)$/im.exec(headerText)?.[1] ?? '';
  const name = /\bname="([^"]*)"/i.exec(disposition)?.[1] ?? '';
  const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
  if (filename === undefined) return { name, chunks: [], size: 0 };
  if (upload.file) throw new ApiError(400, 'invalid_request', 'Only one file part is accepted.');
  return { name, filename, chunks: [], size: 0, handle: await open(filePath, 'w') };
}
