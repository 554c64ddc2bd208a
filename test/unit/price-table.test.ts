import { PRICE_ENTRIES, PriceTable } from '../../src/report/price-table';

describe('PriceTable', () => {
  const prices = new PriceTable();

  it('prices a listed id, and a dated snapshot as its listed id with a warning', () => {
    expect(prices.priceOf('gpt-4o-mini')).toMatchObject({ inputPerMTok: 0.15, outputPerMTok: 0.6 });
    expect(prices.priceWarning('gpt-4o-mini')).toBeUndefined();
    expect(prices.priceOf('gpt-4o-mini-2024-07-18')).toMatchObject({ inputPerMTok: 0.15 });
    expect(prices.priceOf('claude-opus-4-5-20251101')).toMatchObject({ inputPerMTok: 5, outputPerMTok: 25 });
    expect(prices.priceWarning('claude-opus-4-5-20251101')).toBe('no price listed for claude-opus-4-5-20251101: priced as claude-opus-4-5 (set it in LONGHAUL_PRICES if it differs)');
  });

  it('does not price an unknown version by prefix (claude-opus-4-7 is not claude-opus-4 at $15/$75)', () => {
    expect(prices.priceOf('claude-opus-4-7')).toBeUndefined();
    expect(prices.priceOf('gpt-5.1')).toBeUndefined();
    expect(prices.priceOf('gpt-4o-mini-tts')).toBeUndefined();
    expect(prices.priceWarning('gpt-5.1')).toBe('no price listed for gpt-5.1: costs read $0 (add it with LONGHAUL_PRICES)');
    expect(prices.cost('gpt-5.1', 'batch', 1_000_000, 0)).toBe(0);
  });

  it('lets the user override or add a model', () => {
    const custom = new PriceTable({ 'gpt-5.1': { inputPerMTok: 1, outputPerMTok: 8, batchFactor: 0.5, flexFactor: 0.5 } });
    expect(custom.cost('gpt-5.1', 'batch', 1_000_000, 1_000_000)).toBeCloseTo(4.5);
    expect(custom.priceWarning('gpt-5.1')).toBeUndefined();
  });

  it('keeps a source and an effective date for every built-in price, one row per model', () => {
    expect(PRICE_ENTRIES.length).toBeGreaterThan(10);
    for (const e of PRICE_ENTRIES) expect(e.source).toMatch(/^https:\/\//);
    expect(new Set(PRICE_ENTRIES.map((e) => e.model)).size).toBe(PRICE_ENTRIES.length);
  });
});
