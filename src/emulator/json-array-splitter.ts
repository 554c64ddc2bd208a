const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** The body is not a JSON object with the array in it. */
export class JsonShapeError extends Error {
  override readonly name = 'JsonShapeError';
}

/**
 * Splits the array under one top-level key of a JSON object (e.g. `requests` of an Anthropic batch create)
 * into its elements while the body streams in: memory holds one element at a time, never the body.
 * Feed chunks with `push` (returns the raw bytes of the elements that completed), then call `end`.
 * Other top-level keys are skipped; the elements themselves are not parsed here.
 */
export class JsonArraySplitter {
  private depth = 0;
  private inString = false;
  private escape = false;
  private expectKey = false;
  private keyBytes: number[] | null = null;
  private lastKey = '';
  private inTarget = false;
  private found = false;
  private elementOpen = false;
  private parts: Buffer[] = [];

  constructor(private readonly key: string) {}

  /** Consumes a chunk; returns the complete elements it ended. Throws JsonShapeError on a bad shape. */
  push(chunk: Buffer): Buffer[] {
    const done: Buffer[] = [];
    let start = this.elementOpen ? 0 : -1;
    const finish = (end: number) => {
      if (start >= 0) this.parts.push(chunk.subarray(start, end));
      if (this.elementOpen) done.push(Buffer.concat(this.parts));
      this.parts = [];
      this.elementOpen = false;
      start = -1;
    };
    for (let i = 0; i < chunk.length; i += 1) {
      const byte = chunk[i] as number;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (byte === BACKSLASH) this.escape = true;
        else if (byte === QUOTE) {
          this.inString = false;
          if (this.keyBytes) this.lastKey = Buffer.from(this.keyBytes).toString('utf8');
          this.keyBytes = null;
          continue;
        }
        this.keyBytes?.push(byte);
        continue;
      }
      if (isSpace(byte)) continue;
      if (this.inTarget && this.depth === 2 && !this.elementOpen && byte !== COMMA && byte !== CLOSE_ARRAY) {
        this.elementOpen = true;
        start = i;
      }
      if (this.depth === 0 && byte !== OPEN_OBJECT) throw new JsonShapeError('The request body must be a JSON object.');
      switch (byte) {
        case QUOTE:
          this.inString = true;
          if (this.depth === 1 && this.expectKey) this.keyBytes = [];
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          if (this.depth === 1 && byte === OPEN_ARRAY && !this.expectKey && this.lastKey === this.key) {
            this.inTarget = true;
            this.found = true;
          }
          this.depth += 1;
          if (this.depth === 1) this.expectKey = true;
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          if (this.inTarget && this.depth === 2) {
            if (byte !== CLOSE_ARRAY) throw new JsonShapeError('Malformed JSON body.');
            finish(i);
            this.inTarget = false;
          }
          this.depth -= 1;
          if (this.depth < 0) throw new JsonShapeError('Malformed JSON body.');
          break;
        case COMMA:
          if (this.depth === 1) this.expectKey = true;
          if (this.inTarget && this.depth === 2) finish(i);
          break;
        case COLON:
          if (this.depth === 1) this.expectKey = false;
          break;
      }
    }
    if (this.elementOpen && start >= 0) this.parts.push(chunk.subarray(start));
    return done;
  }

  /** Checks the body ended as a complete object holding the array. */
  end(): void {
    if (this.depth !== 0 || this.inString) throw new JsonShapeError('The JSON body ended early.');
    if (!this.found) throw new JsonShapeError(`Missing required field: ${this.key} (an array).`);
  }
}
