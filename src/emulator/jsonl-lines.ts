import { createReadStream } from 'node:fs';

/** One line of a JSONL file, with where it ends so a reader can resume after it. */
export interface FileLine {
  /** The line without its line break (a trailing \r is dropped too). */
  text: string;
  /** 1-based line number, counted from the start offset's line. */
  number: number;
  /** Byte offset just past this line's line break. */
  end: number;
}

/**
 * Reads a file line by line as a stream, from byte offset `start`. Memory holds one read chunk plus the
 * current line, however large the file. Blank lines are yielded too (callers decide what they mean).
 */
export async function* readLines(path: string, start = 0, firstNumber = 1): AsyncGenerator<FileLine> {
  let pending: Buffer[] = [];
  let offset = start;
  let number = firstNumber;
  for await (const chunk of createReadStream(path, { start, highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let at = chunk.indexOf(10, from); at >= 0; at = chunk.indexOf(10, from)) {
      pending.push(chunk.subarray(from, at));
      const bytes = Buffer.concat(pending);
      offset += bytes.length + 1;
      yield { text: decodeLine(bytes), number, end: offset };
      number += 1;
      pending = [];
      from = at + 1;
    }
    if (from < chunk.length) pending.push(chunk.subarray(from));
  }
  if (pending.length) {
    const bytes = Buffer.concat(pending);
    offset += bytes.length;
    yield { text: decodeLine(bytes), number, end: offset };
  }
}

function decodeLine(bytes: Buffer): string {
  const length = bytes.length && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
  return bytes.toString('utf8', 0, length);
}
