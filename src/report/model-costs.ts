import type { ModelTierCounts } from '../results/result-store';
import type { PriceTable } from './price-table';

/** One model's share of a job: its items, tokens, what they cost and what they would have cost at realtime. */
export interface ModelCost {
  model: string;
  items: number;
  tokensIn: number;
  tokensOut: number;
  paidUsd: number;
  realtimeUsd: number;
}

/** What a job's items would have cost at realtime, each at the model that produced it, and how sure that is. */
export interface RealtimeComparison {
  realtimeUsd: number;
  /** Every model that used tokens has a price (for a job that used none: the job's model has one). */
  priceKnown: boolean;
  /** Why a cost may be wrong, per model (missing or guessed prices), joined; undefined when all are listed. */
  priceNote?: string;
  /** Per model, most items first. */
  byModel: ModelCost[];
}

/** Tiers whose items sent no request (a cached answer, a bad row, a cancel): nothing to compare. */
const NO_REQUEST = new Set(['cache', 'none']);

/**
 * Prices a job's items at realtime, each at the model and tier that produced it: after a reprocess with another
 * model, the items it left as they were keep the first model's price. Rows stored before the model was kept
 * per item (`model: null`) are read as the job's model.
 */
export function realtimeComparison(entries: readonly ModelTierCounts[], jobModel: string, prices: PriceTable): RealtimeComparison {
  const byModel = new Map<string, ModelCost>();
  for (const entry of entries) {
    const model = entry.model ?? jobModel;
    let cost = byModel.get(model);
    if (!cost) byModel.set(model, (cost = { model, items: 0, tokensIn: 0, tokensOut: 0, paidUsd: 0, realtimeUsd: 0 }));
    cost.items += entry.items;
    cost.tokensIn += entry.tokensIn;
    cost.tokensOut += entry.tokensOut;
    cost.paidUsd += entry.costUsd;
    if (!NO_REQUEST.has(entry.tier)) cost.realtimeUsd += prices.realtimeCost(model, entry.tokensIn, entry.tokensOut);
  }
  const models = [...byModel.values()].sort((a, b) => b.items - a.items || a.model.localeCompare(b.model));
  const priced = models.filter((m) => m.tokensIn + m.tokensOut > 0).map((m) => m.model);
  const checked = priced.length > 0 ? priced : [jobModel];
  const notes = checked.map((model) => prices.priceWarning(model)).filter((w): w is string => w !== undefined);
  return {
    realtimeUsd: models.reduce((sum, m) => sum + m.realtimeUsd, 0),
    priceKnown: checked.every((model) => prices.priceOf(model) !== undefined),
    ...(notes.length > 0 ? { priceNote: notes.join('; ') } : {}),
    byModel: models.map((m) => ({ ...m, paidUsd: round6(m.paidUsd), realtimeUsd: round6(m.realtimeUsd) })),
  };
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
