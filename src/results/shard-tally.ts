import type { ShardTally } from '../contracts/shard-tally';
import type { ItemState } from './item-outcome';

/** The tally and its zero: src/contracts/shard-tally.ts (workflows read them too). */
export { emptyTally, type ShardTally } from '../contracts/shard-tally';

/** The sum of two tallies; a count one of them lacks (recorded before it existed) adds 0. */
export function addTallies(a: ShardTally, b: ShardTally): ShardTally {
  return {
    requests: a.requests + b.requests,
    succeeded: a.succeeded + b.succeeded,
    retryable: a.retryable + b.retryable,
    failed: a.failed + b.failed,
    cancelled: a.cancelled + b.cancelled,
    tokensIn: a.tokensIn + b.tokensIn,
    tokensOut: a.tokensOut + b.tokensOut,
    costUsd: a.costUsd + b.costUsd,
    foreignLines: a.foreignLines + b.foreignLines,
    malformedLines: (a.malformedLines ?? 0) + (b.malformedLines ?? 0),
    duplicateLines: (a.duplicateLines ?? 0) + (b.duplicateLines ?? 0),
    conflictingResults: (a.conflictingResults ?? 0) + (b.conflictingResults ?? 0),
  };
}

/** The count of a tally an outcome's state adds to. */
export type StateCount = 'succeeded' | 'retryable' | 'failed' | 'cancelled';

/** Every state's count, checked against the union (a cached item is answered before any shard: never collected). */
const COUNT_OF_STATE: Record<ItemState, StateCount> = {
  succeeded: 'succeeded',
  cached: 'succeeded',
  failed_retryable: 'retryable',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** The count an outcome's state adds to (result threads hand states over as text: anything else is failed). */
export function stateCount(state: string): StateCount {
  return COUNT_OF_STATE[state as ItemState] ?? 'failed';
}

/** Adds one outcome to a tally. */
export function countOutcome(tally: ShardTally, outcome: { state: string; tokensIn: number; tokensOut: number; costUsd: number }): void {
  tally[stateCount(outcome.state)]++;
  tally.tokensIn += outcome.tokensIn;
  tally.tokensOut += outcome.tokensOut;
  tally.costUsd += outcome.costUsd;
}
