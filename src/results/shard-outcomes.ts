import type { ManifestItem } from '../dataset/manifest';
import type { BatchStatus } from '../providers/batch-provider';
import type { ItemOutcome } from './item-outcome';
import { classifyMissing, conflictOutcome, outcomeOf, type ClassifyContext, type ResultVerdict } from './outcome-classifier';
import { countOutcome, emptyTally, stateCount, type StateCount, type ShardTally } from './shard-tally';

/** The count an item's first outcome went to is its mark (index + 1), so that a conflict can take it back. */
const MARKED_COUNTS: readonly StateCount[] = ['succeeded', 'retryable', 'failed', 'cancelled'];
const MARK_OF: Readonly<Record<StateCount, number>> = { succeeded: 1, retryable: 2, failed: 3, cancelled: 4 };
const UNMET = 0;
const CONFLICTING = 5;

/**
 * One shard's outcomes, made as its result lines are met (in file order, output file then error file): one per
 * item of its manifest however many lines name it, and its tally. An item's first line makes its outcome at
 * once. A later line with the same verdict (verdictHash) is only counted; the first that differs marks the item
 * `conflicting_results`, an outcome the store lets replace the first one's (and nothing of that attempt replace
 * it), so collecting the same files again ends the same way. An unreadable line that names an item is a verdict
 * too (malformed_result, hashed by its reason alone): beside an answer it is a conflict, since what it said is
 * unknown; beside another unreadable line, a duplicate. Memory: per manifest item its position by seq, a 32-bit
 * hash and a byte, never the answers. Not thread-safe; one per collect.
 */
export class ShardOutcomes {
  readonly tally: ShardTally = emptyTally();
  private readonly positions = new Map<number, number>();
  private readonly hashes: Int32Array;
  /** UNMET, the first outcome's count (index into MARKED_COUNTS + 1), or CONFLICTING. */
  private readonly marks: Uint8Array;
  private pending: ItemOutcome[] = [];
  /** Whether a pending outcome is an item's second (a conflict): its write may touch a row an earlier one did. */
  private pendingRepeats = false;

  constructor(
    private readonly items: readonly ManifestItem[],
    private readonly ctx: ClassifyContext,
  ) {
    for (let at = 0; at < items.length; at++) this.positions.set(items[at]!.seq, at);
    this.hashes = new Int32Array(items.length);
    this.marks = new Uint8Array(items.length);
    this.tally.requests = items.length;
  }

  /** Outcomes made and not yet taken. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /**
   * A result line read into a verdict on item `seq` of this generation and round, `hash` being verdictHash of
   * it; `file` and `line` say where it is (for a conflict's message). A seq of no item of this shard is a
   * foreign line, unless the line could not be read (counted as such already, by `malformed`).
   */
  line(seq: number, verdict: ResultVerdict, hash: number, file: string, line: number): void {
    const at = this.positions.get(seq);
    if (at === undefined) {
      if (verdict.ok || verdict.reason !== 'malformed_result') this.tally.foreignLines++;
      return;
    }
    const mark = this.marks[at]!;
    if (mark === UNMET) {
      const outcome = outcomeOf(this.items[at]!, verdict, this.ctx);
      this.record(outcome);
      this.hashes[at] = hash;
      this.marks[at] = MARK_OF[stateCount(outcome.state)];
    } else if (mark === CONFLICTING || this.hashes[at] === hash) {
      this.tally.duplicateLines!++;
    } else {
      this.tally[MARKED_COUNTS[mark - 1]!]--; // the item is counted once: as the conflict
      this.record(conflictOutcome(this.items[at]!, this.ctx, file, line, verdict.tokensIn, verdict.tokensOut));
      this.pendingRepeats = true;
      this.marks[at] = CONFLICTING;
      this.tally.conflictingResults!++;
    }
  }

  /** Lines whose custom_id is of another generation or round, or of nobody's. */
  foreign(lines: number): void {
    this.tally.foreignLines += lines;
  }

  /** Lines that could not be read (those whose item was recognised also come to `line`, as malformed verdicts). */
  malformed(lines: number): void {
    this.tally.malformedLines! += lines;
  }

  /**
   * The outcomes made since the last call, to write; `repeats` when one of them is an item's second outcome (it
   * may name an item an earlier take did, so its write must not run beside an earlier one: OutcomeWrites).
   */
  take(): { outcomes: ItemOutcome[]; repeats: boolean } {
    const taken = { outcomes: this.pending, repeats: this.pendingRepeats };
    this.pending = [];
    this.pendingRepeats = false;
    return taken;
  }

  /** Makes the outcome of every item no line named, from how the batch ended (classifyMissing). Call once, last. */
  settleUnmet(status: BatchStatus | undefined, note: string | undefined): void {
    for (let at = 0; at < this.items.length; at++) {
      const item = this.items[at]!;
      if (this.marks[at] === UNMET) this.record(classifyMissing(item, item.inputLine, status, this.ctx, note));
    }
  }

  private record(outcome: ItemOutcome): void {
    this.pending.push(outcome);
    countOutcome(this.tally, outcome);
  }
}
