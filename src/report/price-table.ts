import { z } from 'zod';
import type { Tier } from '../results/item-outcome';
import priceFile from './model-prices.json';

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

/** One row of the price data file (model-prices.json): a model's list price, where it came from and since when. */
export const PriceEntrySchema = z.strictObject({
  model: z.string().min(1),
  provider: z.enum(['openai', 'anthropic']),
  inputPerMTok: z.number().min(0),
  outputPerMTok: z.number().min(0),
  cachedInputPerMTok: z.number().min(0).optional(),
  batchFactor: z.number().min(0).max(1),
  flexFactor: z.number().min(0).max(1),
  /** Date (YYYY-MM-DD) from which the price holds. */
  effective: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  source: z.string().min(1),
});
export type PriceEntry = z.infer<typeof PriceEntrySchema>;
const PriceFileSchema = z.object({ comment: z.string().optional(), prices: z.array(PriceEntrySchema) });

/** The built-in list prices, from model-prices.json (each with its effective date and source). */
export const PRICE_ENTRIES: readonly PriceEntry[] = PriceFileSchema.parse(priceFile).prices;

export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = Object.fromEntries(
  PRICE_ENTRIES.map((e) => [e.model, { inputPerMTok: e.inputPerMTok, outputPerMTok: e.outputPerMTok, batchFactor: e.batchFactor, flexFactor: e.flexFactor }]),
);

/** A dated snapshot of a model id: `gpt-4o-mini-2024-07-18`, `claude-opus-4-5-20251101`. */
const SNAPSHOT = /^(.+)-(\d{4}-\d{2}-\d{2}|\d{8})$/;

/** Looks prices up and turns token counts into dollars; every cost in a report comes from here. */
export class PriceTable {
  private readonly prices: Record<string, ModelPrice>;

  constructor(overrides: Record<string, ModelPrice> = {}) {
    this.prices = { ...DEFAULT_PRICES, ...overrides };
  }

  /**
   * The price of a model id listed exactly, or of the listed id a dated snapshot belongs to; undefined for
   * anything else. No prefix guessing: `claude-opus-4-5` is not `claude-opus-4`, `gpt-5.1` is not `gpt-5`.
   */
  priceOf(model: string): ModelPrice | undefined {
    const exact = this.prices[model];
    if (exact) return exact;
    const base = SNAPSHOT.exec(model)?.[1];
    return base !== undefined ? this.prices[base] : undefined;
  }

  /** Why a cost for this model may be wrong (no price, or priced as the id its snapshot belongs to); undefined when listed. */
  priceWarning(model: string): string | undefined {
    if (this.prices[model]) return undefined;
    const base = SNAPSHOT.exec(model)?.[1];
    if (base !== undefined && this.prices[base]) return `no price listed for ${model}: priced as ${base} (set it in LONGHAUL_PRICES if it differs)`;
    return `no price listed for ${model}: costs read $0 (add it with LONGHAUL_PRICES)`;
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
