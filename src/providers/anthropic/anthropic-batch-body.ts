import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { ProviderError } from '../provider-error';

/** Bytes gathered before a chunk is handed to the HTTP client. */
const CHUNK_BYTES = 64 * 1024;

const OPEN = Buffer.from('{"requests":[');
const CLOSE = Buffer.from(']}');

export interface BatchBodyLimits {
  maxRequests: number;
  maxBytes: number;
}

/**
 * The body of `POST /v1/messages/batches` streamed from a shard file: `{"requests":[` + the file's lines
 * (each already a `{"custom_id", "params"}` object) joined by commas + `]}`. Holds one chunk of about 64 KiB
 * at a time, never the file (up to 256 MB). Blank lines are skipped.
 *
 * Going over `limits` (requests, or body bytes) stops the stream: the error is kept in `failure` (a
 * ProviderError `invalid_request`, as the API's 413 `request_too_large` would be) so the caller can report it
 * instead of the HTTP client's generic "body stream failed".
 */
export class StreamedBatchBody {
  failure: ProviderError | undefined;
  requests = 0;
  bytes = 0;

  constructor(private readonly input: Readable, private readonly limits: BatchBodyLimits) {}

  async *chunks(): AsyncGenerator<Uint8Array> {
    let pending: Buffer[] = [OPEN];
    let pendingBytes = OPEN.length;
    this.bytes = OPEN.length + CLOSE.length;
    const lines = createInterface({ input: this.input, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (!line.trim()) continue;
        const piece = Buffer.from(this.requests === 0 ? line : `,${line}`);
        this.requests += 1;
        this.bytes += piece.length;
        this.check();
        pending.push(piece);
        pendingBytes += piece.length;
        if (pendingBytes >= CHUNK_BYTES) {
          yield Buffer.concat(pending, pendingBytes);
          pending = [];
          pendingBytes = 0;
        }
      }
    } finally {
      lines.close();
      this.input.destroy();
    }
    if (this.requests === 0) this.fail('the shard file has no requests', 'empty_batch');
    pending.push(CLOSE);
    yield Buffer.concat(pending, pendingBytes + CLOSE.length);
  }

  private check(): void {
    if (this.requests > this.limits.maxRequests) this.fail(`more than ${this.limits.maxRequests} requests in one batch`);
    if (this.bytes > this.limits.maxBytes) this.fail(`the batch body is over ${this.limits.maxBytes} bytes`);
  }

  private fail(message: string, code = 'request_too_large'): never {
    this.failure = new ProviderError('invalid_request', `anthropic: ${message}`, { provider: 'anthropic', code });
    throw this.failure;
  }
}
