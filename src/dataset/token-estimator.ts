import type * as O200k from 'gpt-tokenizer/encoding/o200k_base';

let encoding: typeof O200k | undefined;

/**
 * The o200k tokenizer from gpt-tokenizer, which ships its encodings (no download). Loaded on first use
 * (about a second and 70 MB), so processes that never count tokens never pay for it.
 */
function tokenizer(): typeof O200k {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  encoding ??= require('gpt-tokenizer/encoding/o200k_base') as typeof O200k;
  return encoding;
}

/** Exact o200k token count of a text (for `longhaul plan` and calibration; slower than estimating). */
export function countTokens(text: string): number {
  return tokenizer().countTokens(text);
}

const SAMPLE_SIZE = 64;
const PER_MESSAGE_OVERHEAD = 4;

/**
 * A request's prompt tokens from its length: characters times a tokens-per-character ratio, plus what every
 * request carries (`fixedTokens`) and a few tokens per message. TokenEstimator and the render threads both
 * estimate with this, so a request gets the same estimate on either path.
 */
export function estimateFromLength(promptChars: number, messageCount: number, ratio: number, fixedTokens: number): number {
  return Math.ceil(promptChars * ratio) + fixedTokens + PER_MESSAGE_OVERHEAD * messageCount;
}

/**
 * Estimates prompt tokens per request fast enough for millions of rows: the first requests are counted with
 * the real tokenizer to learn this dataset's tokens-per-character ratio, the rest are estimated from their
 * length with that ratio. Used for shard sizing, admission control and cost estimates, never for billing.
 */
export class TokenEstimator {
  private sampledChars = 0;
  private sampledTokens = 0;
  private samples = 0;

  /** @param fixedTokens tokens every request carries besides its text (e.g. the output schema). */
  constructor(private readonly fixedTokens = 0) {}

  /** Estimated prompt tokens of a request whose message texts are `texts`. */
  estimate(texts: readonly string[]): number {
    let chars = 0;
    for (const text of texts) chars += text.length;
    return this.estimateRequest({ promptChars: chars, messageCount: texts.length, texts: () => texts });
  }

  /**
   * The same from a request's size; its texts are read only while the estimator is still sampling (a request
   * without texts is estimated, not sampled).
   */
  estimateRequest(request: { promptChars: number; messageCount: number; texts?: () => readonly string[] }): number {
    if (this.samples < SAMPLE_SIZE && request.texts) {
      let tokens = 0;
      for (const text of request.texts()) tokens += countTokens(text);
      this.samples++;
      this.sampledChars += request.promptChars;
      this.sampledTokens += tokens;
      return tokens + this.fixedTokens + PER_MESSAGE_OVERHEAD * request.messageCount;
    }
    return estimateFromLength(request.promptChars, request.messageCount, this.ratio(), this.fixedTokens);
  }

  /** True once enough requests were counted exactly: from then on every request is estimated from its length. */
  get calibrated(): boolean {
    return this.samples >= SAMPLE_SIZE;
  }

  /** Tokens every request carries besides its text. */
  get fixed(): number {
    return this.fixedTokens;
  }

  /** Tokens per character learned so far (0.25 before any sample). */
  ratio(): number {
    return this.sampledChars > 0 ? this.sampledTokens / this.sampledChars : 0.25;
  }
}
