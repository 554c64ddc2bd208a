import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { BlobWriter } from '../storage/blob-store';

/**
 * Copies a downloaded JSONL body into our storage chunk by chunk (never whole in memory), and ends it with a
 * newline when the provider's file did not, so a later append or concatenation never joins two lines.
 * Resolves with the bytes copied. Rejects with the stream's error (the caller maps it to a ProviderError).
 */
export async function copyResponseBody(response: Response, sink: BlobWriter): Promise<number> {
  if (!response.body) return 0;
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  const decoder = new TextDecoder();
  let last = '\n';
  let bytes = 0;
  for await (const chunk of body) {
    bytes += (chunk as Uint8Array).byteLength;
    const text = decoder.decode(chunk as Uint8Array, { stream: true });
    if (text.length === 0) continue;
    last = text[text.length - 1]!;
    await sink.write(text);
  }
  const rest = decoder.decode();
  if (rest) {
    last = rest[rest.length - 1]!;
    await sink.write(rest);
  }
  if (bytes > 0 && last !== '\n') await sink.write('\n');
  return bytes;
}
