import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Lets a long synchronous loop over a dataset give the event loop a turn every `ms` of work, so heartbeat
 * timers, signals and other activities of the process run while it goes on. Reading a file yields only
 * between reads, and a read of big rows (or rows counted with the tokenizer) can take much longer than that.
 *
 * ```ts
 * const slice = new TimeSlice();
 * for (const row of rows) { work(row); if (slice.spent()) await slice.pause(); }
 * ```
 */
export class TimeSlice {
  private started = performance.now();

  /** @param ms work between turns, in milliseconds (default 50: a small fraction of any heartbeat interval). */
  constructor(private readonly ms = 50) {}

  /** True once this slice has run `ms` since it started (or since the last pause). */
  spent(): boolean {
    return performance.now() - this.started >= this.ms;
  }

  /** Gives the event loop a turn (timers and I/O callbacks run), then starts a new slice. */
  async pause(): Promise<void> {
    await nextTurn();
    this.started = performance.now();
  }
}
