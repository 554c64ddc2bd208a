type Lite = typeof import('js-tiktoken/lite', { with: { 'resolution-mode': 'import' } });
type Encoder = InstanceType<Lite['Tiktoken']>;

let encoder: Encoder | undefined;

/** The o200k tokenizer, bundled with js-tiktoken (no download); loaded on first use. */
function tokenizer(): Encoder {
  if (!encoder) {
    // js-tiktoken ships CommonJS builds, but its typings are ESM-only: require it and borrow the types
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { Tiktoken } = require('js-tiktoken/lite') as Lite;
    const ranks = require('js-tiktoken/ranks/o200k_base') as ConstructorParameters<Lite['Tiktoken']>[0];
    /* eslint-enable @typescript-eslint/no-require-imports */
    encoder = new Tiktoken(ranks);
  }
  return encoder;
}

/** Exact o200k token count of a text (for `longhaul plan` and calibration; slower than estimating). */
export function countTokens(text: string): number {
  return tokenizer().encode(text).length;
}

const SAMPLE_SIZE = 64;
const PER_MESSAGE_OVERHEAD = 4;

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

  /** The same from a request's size; its texts are read only while the estimator is still sampling. */
  estimateRequest(request: { promptChars: number; messageCount: number; texts(): readonly string[] }): number {
    const overhead = this.fixedTokens + PER_MESSAGE_OVERHEAD * request.messageCount;
    if (this.samples < SAMPLE_SIZE) {
      let tokens = 0;
      for (const text of request.texts()) tokens += countTokens(text);
      this.samples++;
      this.sampledChars += request.promptChars;
      this.sampledTokens += tokens;
      return tokens + overhead;
    }
    return Math.ceil(request.promptChars * this.ratio()) + overhead;
  }

  /** Tokens per character learned so far (0.25 before any sample). */
  ratio(): number {
    return this.sampledChars > 0 ? this.sampledTokens / this.sampledChars : 0.25;
  }
}
