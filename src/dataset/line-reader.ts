import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

/** A batch of consecutive lines; `firstLine` is the 1-based number of `lines[0]` in the source. */
export interface LineBatch {
  firstLine: number;
  lines: string[];
}

/**
 * Splits a byte stream into lines (LF or CRLF), yielding them in batches per chunk read, so a million lines
 * cost a few hundred awaits, not a million. Memory holds one chunk plus one partial line; multi-byte
 * characters split across chunks are decoded correctly. A final line without a newline is yielded too.
 */
export async function* readLineBatches(source: Readable): AsyncGenerator<LineBatch> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let nextLine = 1;
  for await (const chunk of source) {
    const text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    if (lines.length === 0) continue;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
    }
    yield { firstLine: nextLine, lines };
    nextLine += lines.length;
  }
  carry += decoder.end();
  if (carry.endsWith('\r')) carry = carry.slice(0, -1);
  if (carry.length > 0) yield { firstLine: nextLine, lines: [carry] };
}
