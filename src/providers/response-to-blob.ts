import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { BlobWriter } from '../storage/blob-store';

const LF = 0x0a;

/**
 * Copies a downloaded JSONL body into our storage chunk by chunk (never whole in memory), byte for byte (the
 * readers decode it, and name a line that is not UTF-8), and ends it with a newline when the provider's file did
 * not, so a later append or concatenation never joins two lines (a 0x0A byte is a line break in UTF-8, never
 * part of a character). Resolves with the bytes copied. Rejects with the stream's error (the caller maps it to a
 * ProviderError).
 */
export async function copyResponseBody(response: Response, sink: BlobWriter): Promise<number> {
  if (!response.body) return 0;
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  let last = LF;
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    if (chunk.byteLength === 0) continue;
    bytes += chunk.byteLength;
    last = chunk[chunk.byteLength - 1]!;
    await sink.write(chunk);
  }
  if (last !== LF) await sink.write('\n');
  return bytes;
}
