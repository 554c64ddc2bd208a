import type { ItemOutcome } from './item-outcome';

/**
 * One collect's outcome writes, up to `inFlight` at once while the next lines are read: a store across the
 * network (PostgreSQL) takes them on as many connections (two writes of 10,000 outcomes: ~1.65x one), and a
 * store that writes in the call (SQLite) is unchanged. A write that names an item an earlier write named (a
 * conflict, ShardOutcomes.takeRepeats) waits until every earlier write is done, so no two writes in flight touch
 * one row and none can deadlock the other; the upsert rule makes the rest commute. The first failure is thrown
 * by the next `add` or by `finish`, each after every write started has ended.
 */
export class OutcomeWrites {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly write: (outcomes: ItemOutcome[]) => Promise<void>,
    private readonly inFlight = 2,
  ) {}

  /** Starts writing `outcomes` once there is room (all earlier writes done, if `repeats`). */
  async add(outcomes: ItemOutcome[], repeats: boolean): Promise<void> {
    if (outcomes.length === 0) return;
    const room = repeats ? 1 : this.inFlight;
    while (this.running.size >= room && !this.failure) await Promise.race(this.running);
    if (this.failure) await this.finish();
    const writing: Promise<void> = this.write(outcomes)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.running.delete(writing));
    this.running.add(writing);
  }

  /** Waits for every write started; throws the first failure. */
  async finish(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
