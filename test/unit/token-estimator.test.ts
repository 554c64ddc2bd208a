import { countTokens, TokenEstimator } from '../../src/dataset/token-estimator';

describe('token estimation (offline tokenizer)', () => {
  it('counts tokens with the bundled o200k encoding', () => {
    expect(countTokens('Hello world')).toBe(2);
  });
  it('learns a ratio from samples, then estimates close to the real count', () => {
    const estimator = new TokenEstimator(10);
    const text = (i: number) => `Ticket ${i}: my invoice for order ${i * 7} was charged twice, please refund the duplicate payment.`;
    for (let i = 0; i < 64; i++) estimator.estimate([text(i)]);
    const estimated = estimator.estimate([text(1000)]);
    const exact = countTokens(text(1000)) + 10 + 4;
    expect(Math.abs(estimated - exact)).toBeLessThanOrEqual(Math.ceil(exact * 0.15));
  });
});
