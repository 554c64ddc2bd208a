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

/**
 * The longest text counted exactly, in characters; a longer one is estimated from its length. Counted in
 * pieces (below), a text costs at most ~5.6 us a character (random CJK characters, the dearest text measured:
 * 0.18 s for 32,768 of them on a 2-core machine; English prose 0.1-1 us), so one count holds the thread a
 * fifth of a second at worst, and a 2,000,000-character row is estimated, not counted.
 */
export const EXACT_COUNT_MAX_CHARS = 32_768;

/**
 * The longest piece handed to the tokenizer at once. Its byte-pair merging is quadratic in the length of a
 * run its pre-tokenizer cannot split (one character repeated, dashes, spaces, CJK): measured, a run of 1,024
 * CJK characters took 5.6 us a character, 2,048 took 10, 4,096 took 19, and 32,000 'a's 0.7 s; in pieces of
 * 512 characters no text measured cost more than random CJK text does in any piece size (~4-6 us a character).
 */
const PIECE_CHARS = 512;

/** Tokens per character before anything was counted, and for texts too long to count. */
const DEFAULT_RATIO = 0.25;

/** Special tokens (`<|endoftext|>`) in data are text to the provider, and the tokenizer must not throw on them. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * o200k token count of a text, in time linear in its length: texts up to EXACT_COUNT_MAX_CHARS are counted
 * in pieces of at most PIECE_CHARS characters, cut where the tokenizer splits words anyway when the text
 * allows it (so prose counts exactly; a run cut in pieces may differ by a token a cut); longer texts are
 * estimated at a quarter of a token per character. For `longhaul plan`, calibration and the output schema.
 */
export function countTokens(text: string): number {
  if (text.length > EXACT_COUNT_MAX_CHARS) return Math.ceil(text.length * DEFAULT_RATIO);
  const { countTokens: count } = tokenizer();
  if (text.length <= PIECE_CHARS) return count(text, AS_TEXT);
  let tokens = 0;
  for (let start = 0; start < text.length; ) {
    const end = pieceEnd(text, start);
    tokens += count(text.slice(start, end), AS_TEXT);
    start = end;
  }
  return tokens;
}

/**
 * Where the piece starting at `start` ends: before the last space in the second half of the window that
 * follows a non-space character (o200k's pre-tokenizer never joins such a pair into one token, so cutting
 * there changes nothing), else at the window's end, never between the halves of a surrogate pair.
 */
function pieceEnd(text: string, start: number): number {
  const limit = start + PIECE_CHARS;
  if (limit >= text.length) return text.length;
  for (let at = text.lastIndexOf(' ', limit); at > start + PIECE_CHARS / 2; at = text.lastIndexOf(' ', at - 1)) {
    if (!WHITE_SPACE.test(text[at - 1]!)) return at;
  }
  const code = text.charCodeAt(limit - 1);
  return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}

const WHITE_SPACE = /\s/;

/** Requests counted exactly before the ratio is learned. */
export const SAMPLE_SIZE = 64;

/** True when a request of `promptChars` may be a sample: short enough to count exactly (EXACT_COUNT_MAX_CHARS). */
export function countable(promptChars: number): boolean {
  return promptChars <= EXACT_COUNT_MAX_CHARS;
}
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
 * length with that ratio. A request longer than EXACT_COUNT_MAX_CHARS is never counted (nor a sample), so
 * one estimate holds the thread a fraction of a second at most. Used for shard sizing, admission control and
 * cost estimates, never for billing.
 */
export class TokenEstimator {
  private sampledChars = 0;
  private sampledTokens = 0;
  private samples = 0;
  private sampling = true;

  /** @param fixedTokens tokens every request carries besides its text (e.g. the output schema). */
  constructor(private readonly fixedTokens = 0) {}

  /** Estimated prompt tokens of a request whose message texts are `texts`. */
  estimate(texts: readonly string[]): number {
    let chars = 0;
    for (const text of texts) chars += text.length;
    return this.estimateRequest({ promptChars: chars, messageCount: texts.length, texts: () => texts });
  }

  /**
   * The same from a request's size; its texts are read only while the estimator is still sampling and the
   * request is short enough to count (a request without texts is estimated, not sampled).
   */
  estimateRequest(request: { promptChars: number; messageCount: number; texts?: () => readonly string[] }): number {
    if (!this.calibrated && request.texts && countable(request.promptChars)) {
      let tokens = 0;
      for (const text of request.texts()) tokens += countTokens(text);
      this.addSample(request.promptChars, tokens);
      return tokens + this.fixedTokens + PER_MESSAGE_OVERHEAD * request.messageCount;
    }
    return estimateFromLength(request.promptChars, request.messageCount, this.ratio(), this.fixedTokens);
  }

  /**
   * Learns from a request counted elsewhere (prepare counts its samples on a thread): `tokens` in its texts,
   * `promptChars` long. Ignored once calibrated.
   */
  addSample(promptChars: number, tokens: number): void {
    if (this.calibrated) return;
    this.samples++;
    this.sampledChars += promptChars;
    this.sampledTokens += tokens;
  }

  /**
   * Stops sampling with what was learned (the default ratio when nothing was): every request from now on is
   * estimated from its length, as render threads estimate it.
   */
  endCalibration(): void {
    this.sampling = false;
  }

  /** True once enough requests were counted exactly, or calibration was ended: every request is estimated from its length. */
  get calibrated(): boolean {
    return !this.sampling || this.samples >= SAMPLE_SIZE;
  }

  /** Tokens every request carries besides its text. */
  get fixed(): number {
    return this.fixedTokens;
  }

  /** Tokens per character learned so far (0.25 before any sample). */
  ratio(): number {
    return this.sampledChars > 0 ? this.sampledTokens / this.sampledChars : DEFAULT_RATIO;
  }
}
