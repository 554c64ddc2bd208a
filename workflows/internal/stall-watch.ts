import type { BatchStatus } from '../../src/contracts/batch-status';

/** What a StallWatch carries across continue-as-new. */
export interface StallState {
  /** The batch's counts at the last change (`total/completed/failed`). */
  counts: string;
  /** The provider's clock when they last changed. */
  changedAtMs: number;
}

/**
 * Tells a batch that stopped from one that is slow, on the provider's clock (its answers' Date header, never
 * ours): a batch is overdue when it is past its `expires_at` plus the grace AND its counts have not moved for
 * the grace. A batch still completing requests past its expiry is left to finish (a provider, or an emulator at
 * a high clock speed, may process past the window); a stalled one is not. Pure and deterministic.
 */
export class StallWatch {
  constructor(
    private readonly graceMs: number,
    private state?: StallState,
  ) {}

  /**
   * Records a poll's status; returns how long the batch has been overdue (milliseconds beyond both the expiry
   * plus grace and the grace without progress), or undefined while it is not, or the provider gave no clock.
   */
  overdueBy(status: BatchStatus): number | undefined {
    const now = status.observedAtMs;
    if (now === undefined || status.expiresAtMs === undefined) return undefined;
    const counts = `${status.counts.total}/${status.counts.completed}/${status.counts.failed}`;
    if (this.state?.counts !== counts) this.state = { counts, changedAtMs: now };
    const late = Math.min(now - (status.expiresAtMs + this.graceMs), now - this.state.changedAtMs - this.graceMs);
    return late > 0 ? late : undefined;
  }

  snapshot(): StallState | undefined {
    return this.state;
  }
}
