import { unitDraw } from '../hashing';

/** The selection part shared by every fault rule. */
export interface CountedRule {
  after: number;
  count?: number | undefined;
  probability: number;
}

/**
 * Decides whether a rule fires for its next matching occurrence: skips the first `after`, fires at most
 * `count` times, each time with `probability` drawn from hash(seed, ruleKey, occurrence number).
 * `hits` (persisted state) keeps the counts, keyed by `ruleKey`.
 */
export function ruleFires(hits: Record<string, number>, ruleKey: string, rule: CountedRule, seed: string): boolean {
  const seen = (hits[`${ruleKey}:seen`] ?? 0) + 1;
  hits[`${ruleKey}:seen`] = seen;
  if (seen <= rule.after) return false;
  const fired = hits[`${ruleKey}:fired`] ?? 0;
  if (rule.count !== undefined && fired >= rule.count) return false;
  if (rule.probability < 1 && unitDraw(seed, ruleKey, seen) >= rule.probability) return false;
  hits[`${ruleKey}:fired`] = fired + 1;
  return true;
}
