/** Capped exponential backoff for polling: initial, initial*factor, ... never above max. Milliseconds. */
export class PollBackoff {
  private nextMs: number;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
    private readonly factor: number,
  ) {
    this.nextMs = initialMs;
  }

  next(): number {
    const current = this.nextMs;
    this.nextMs = Math.min(this.maxMs, Math.max(this.initialMs, current * this.factor));
    return current;
  }

  reset(): void {
    this.nextMs = this.initialMs;
  }
}
