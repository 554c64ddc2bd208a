import { z } from 'zod';
import type { Tier } from '../results/item-outcome';

/** Price of a model in USD per million tokens at the standard (synchronous) tier, and its discounts. */
export const ModelPriceSchema = z.strictObject({
  inputPerMTok: z.number().min(0),
  outputPerMTok: z.number().min(0),
  /** Fraction of the standard price charged in batch (0.5 = half price). */
  batchFactor: z.number().min(0).max(1).default(0.5),
  /** Fraction charged on the flex tier. */
  flexFactor: z.number().min(0).max(1).default(0.5),
});
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

export const PriceOverridesSchema = z.record(z.string(), ModelPriceSchema);

const p = (inputPerMTok: number, outputPerMTok: number): ModelPrice => ({ inputPerMTok, outputPerMTok, batchFactor: 0.5, flexFactor: 0.5 });

/**
 * List prices as published in late 2026 (re-check before relying on them; override any model in the worker
 * configuration). Keys match a model name exactly or as the longest prefix (`gpt-4o-mini-2024-07-18`).
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-5': p(1.25, 10),
  'gpt-5-mini': p(0.25, 2),
  'gpt-5-nano': p(0.05, 0.4),
  'gpt-4.1': p(2, 8),
  'gpt-4.1-mini': p(0.4, 1.6),
  'gpt-4.1-nano': p(0.1, 0.4),
  'gpt-4o': p(2.5, 10),
  'gpt-4o-mini': p(0.15, 0.6),
  'o4-mini': p(1.1, 4.4),
  'text-embedding-3-small': p(0.02, 0),
  'text-embedding-3-large': p(0.13, 0),
  'claude-opus-4': p(15, 75),
  'claude-sonnet-4': p(3, 15),
  'claude-haiku-4': p(1, 5),
  'claude-3-5-haiku': p(0.8, 4),
};

/** Looks prices up and turns token counts into dollars; every cost in a report comes from here. */
export class PriceTable {
  private readonly prices: Record<string, ModelPrice>;
  private readonly keys: string[];

  constructor(overrides: Record<string, ModelPrice> = {}) {
    this.prices = { ...DEFAULT_PRICES, ...overrides };
    this.keys = Object.keys(this.prices).sort((a, b) => b.length - a.length);
  }

  priceOf(model: string): ModelPrice | undefined {
    const exact = this.prices[model];
    if (exact) return exact;
    const key = this.keys.find((k) => model.startsWith(k));
    return key ? this.prices[key] : undefined;
  }

  /** USD for tokens on a tier; 0 for an unknown model (the report says which models had no price). */
  cost(model: string, tier: Tier, tokensIn: number, tokensOut: number): number {
    const price = this.priceOf(model);
    if (!price || tier === 'cache' || tier === 'none') return 0;
    const factor = tier === 'batch' ? price.batchFactor : tier === 'flex' ? price.flexFactor : 1;
    return ((tokensIn * price.inputPerMTok + tokensOut * price.outputPerMTok) / 1_000_000) * factor;
  }

  /** What the same tokens would cost synchronously at the standard tier. */
  realtimeCost(model: string, tokensIn: number, tokensOut: number): number {
    return this.cost(model, 'realtime', tokensIn, tokensOut);
  }
}
