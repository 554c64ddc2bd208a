import { countTokens as countWhole } from 'gpt-tokenizer/encoding/o200k_base';
import { countTokens, EXACT_COUNT_MAX_CHARS, TokenEstimator } from '../../src/dataset/token-estimator';

/** Prose with punctuation, numbers, line breaks and runs of spaces: what pieces must count exactly. */
function prose(chars: number): string {
  const words = ['invoice', 'charged', 'twice,', 'refund', 'the', 'duplicate', 'payment.', 'Order', '#4821', "it's", 'URGENT!!', '(see', 'attached)', '—', 'naïve', 'café', '\n\n', '  ', 'résumé:', '2024-11-28'];
  let text = '';
  for (let i = 0; text.length < chars; i++) text += words[(i * 7 + (i >> 3)) % words.length] + (i % 11 === 0 ? '  ' : ' ');
  return text.slice(0, chars);
}

describe('token estimation (offline tokenizer)', () => {
  it('counts tokens with the bundled o200k encoding', () => {
    expect(countTokens('Hello world')).toBe(2);
  });

  it('counts long prose in pieces exactly as the tokenizer counts it whole', () => {
    for (const chars of [600, 5_000, 30_000]) {
      const text = prose(chars);
      expect(countTokens(text)).toBe(countWhole(text));
    }
  });

  it('counts special-token text as text instead of throwing', () => {
    expect(countTokens('before <|endoftext|> after')).toBeGreaterThan(3);
  });

  // the tokenizer alone took 0.7 s for 32,000 'a's and 27 s for 200,000 dashes; a freeze fails on the timeout
  it('stays linear on long runs of one character', () => {
    for (const char of ['a', '-', ' ', '中', '😀']) {
      const run = char.repeat(EXACT_COUNT_MAX_CHARS / char.length);
      expect(countTokens(run)).toBeGreaterThan(0);
      expect(countTokens(char.repeat(200_000))).toBe(Math.ceil((200_000 * char.length) / 4));
    }
    expect(countTokens('x'.repeat(2_000_000))).toBe(500_000);
  }, 30_000);

  it('learns a ratio from samples, then estimates close to the real count', () => {
    const estimator = new TokenEstimator(10);
    const text = (i: number) => `Ticket ${i}: my invoice for order ${i * 7} was charged twice, please refund the duplicate payment.`;
    for (let i = 0; i < 64; i++) estimator.estimate([text(i)]);
    const estimated = estimator.estimate([text(1000)]);
    const exact = countTokens(text(1000)) + 10 + 4;
    expect(Math.abs(estimated - exact)).toBeLessThanOrEqual(Math.ceil(exact * 0.15));
  });

  it('estimates a request too long to count from its length, and does not learn from it', () => {
    const estimator = new TokenEstimator(0);
    estimator.estimate(['short sample text, counted exactly']);
    const ratio = estimator.ratio();
    const huge = '-'.repeat(2_000_000);
    expect(estimator.estimateRequest({ promptChars: huge.length, messageCount: 1, texts: () => [huge] })).toBe(Math.ceil(huge.length * ratio) + 4);
    expect(estimator.ratio()).toBe(ratio);
    expect(estimator.calibrated).toBe(false);
  });

  it('estimates from its length once calibration is ended, with what it learned', () => {
    const estimator = new TokenEstimator(5);
    estimator.endCalibration();
    expect(estimator.calibrated).toBe(true);
    expect(estimator.estimate(['x'.repeat(400)])).toBe(100 + 5 + 4);
  });
});
