import type { ItemErrorKind } from './item-result';
import type { ItemTier } from '../contracts/tiers';

/**
 * The item state machine. Every item of a job ends in exactly one terminal state:
 *   (pending) -> succeeded | failed | cached | cancelled
 *   (pending) -> failed_retryable -> (next round: pending) ... -> terminal
 * `failed_retryable` is never final: the job's last step turns what is left of it into `failed`.
 */
export type ItemState = 'succeeded' | 'failed_retryable' | 'failed' | 'cancelled' | 'cached';

export const TERMINAL_STATES: readonly ItemState[] = ['succeeded', 'failed', 'cancelled', 'cached'];

/** A count of zero for every state: the object literal is checked against the union, so a new state is counted. */
export function emptyStateCounts(): Record<ItemState, number> {
  return { succeeded: 0, failed_retryable: 0, failed: 0, cancelled: 0, cached: 0 };
}

/**
 * Attempts. An outcome is stored with its attempt's order (`attemptOrder`), and the one transition rule between
 * outcomes of an item (src/results/outcome-upsert-rule.ts, `OUTCOME_REPLACES`, which every store runs) compares
 * it: a later attempt wins; within an attempt only a retryable outcome is replaced (and a conflict replaces all).
 * Later generations beat every round of earlier ones: a generation has room for ROUNDS_PER_GENERATION rounds
 * (retry rounds are at most 20, plus two of deadline fallback).
 */
export const ROUNDS_PER_GENERATION = 1000;

/** The round finalize settles an unanswered item at: after every real round of its generation. */
export const SETTLING_ROUND = ROUNDS_PER_GENERATION - 1;

/** Ordering key of an attempt: later generations beat earlier ones, later rounds beat earlier rounds. */
export function attemptOrder(generation: number, round: number): number {
  return generation * ROUNDS_PER_GENERATION + round;
}

/** Why an item failed: a provider error kind, or one of ours. */
export type FailureReason =
  | ItemErrorKind
  | 'invalid_output' // the answer broke the output schema (or was empty)
  | 'bad_row' // the dataset row could not become a request (unparseable, missing field, too big)
  | 'batch_failed' // the provider rejected the whole batch
  | 'missing_result' // the batch ended without a line for this item
  | 'malformed_result' // the item's result line could not be read (cut short, not JSON, not the provider's shape)
  | 'conflicting_results' // the batch gave two different answers for this item
  | 'job_cancelled'; // the job was cancelled before the item had an answer

/** Which way a request went: a batch, the flex tier, a synchronous call, or not at all (cache): src/contracts/tiers.ts. */
export type Tier = ItemTier;

/** One item's outcome as stored. `output` is JSON-serializable; tokens and cost are for this attempt. */
export interface ItemOutcome {
  seq: number;
  line: number;
  itemKey: string;
  requestKey: string | null;
  state: ItemState;
  reason: FailureReason | null;
  message: string | null;
  generation: number;
  round: number;
  tier: Tier;
  output: unknown;
  /** The output's JSON text when the answer came as one line of it (stored as it came, not serialized again). */
  outputJson?: string | undefined;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

/** An outcome as the store holds it: the output as its JSON text (as JSON.stringify wrote it), not parsed. */
export type StoredOutcome = Omit<ItemOutcome, 'output' | 'outputJson'> & { outputJson: string | null };

/** The outcome's output as JSON text (null when there is none): its own text when it has one, else serialized. */
export function outputJsonOf(outcome: ItemOutcome): string | null {
  return outcome.outputJson ?? (outcome.output === undefined ? null : JSON.stringify(outcome.output));
}

/** The outcome with its output parsed from the stored JSON text. */
export function parsedOutcome(stored: StoredOutcome): ItemOutcome {
  return {
    seq: stored.seq,
    line: stored.line,
    itemKey: stored.itemKey,
    requestKey: stored.requestKey,
    state: stored.state,
    reason: stored.reason,
    message: stored.message,
    generation: stored.generation,
    round: stored.round,
    tier: stored.tier,
    output: stored.outputJson === null ? undefined : JSON.parse(stored.outputJson),
    tokensIn: stored.tokensIn,
    tokensOut: stored.tokensOut,
    costUsd: stored.costUsd,
  };
}

export function isTerminal(state: ItemState): boolean {
  return state !== 'failed_retryable';
}
