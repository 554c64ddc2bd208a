import type { ModelTierCounts } from './result-store';

/** Sums grouped rows (state, reason, tier, model) into one entry per model and tier, in a stable order. */
export class ModelTierTally {
  private readonly entries = new Map<string, ModelTierCounts>();

  add(row: { model: string | null; tier: string; n: number; tin: number; tout: number; cost: number }): void {
    const key = `${row.model ?? ''}\u0000${row.tier}`;
    let entry = this.entries.get(key);
    if (!entry) this.entries.set(key, (entry = { model: row.model, tier: row.tier, items: 0, tokensIn: 0, tokensOut: 0, costUsd: 0 }));
    entry.items += row.n;
    entry.tokensIn += row.tin;
    entry.tokensOut += row.tout;
    entry.costUsd += row.cost;
  }

  /** The entries sorted by model (null first) and tier. */
  list(): ModelTierCounts[] {
    return [...this.entries.values()].sort((a, b) => (a.model ?? '').localeCompare(b.model ?? '') || a.tier.localeCompare(b.tier));
  }
}
