import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Requests-per-minute and tokens-per-minute token buckets, plus a shared pause for Retry-After: when the
 * provider says "wait", every sender waits. Refills continuously; a request bigger than the token bucket
 * waits for a full bucket rather than forever.
 */
export class RateLimiter {
  private requests: number;
  private tokens: number;
  private last = Date.now();
  private pausedUntil = 0;

  constructor(
    private readonly requestsPerMinute: number,
    private readonly tokensPerMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    // start with a small burst, not a full minute's worth: a fresh worker must not hit the provider at once
    this.requests = Math.min(requestsPerMinute, Math.max(1, requestsPerMinute / 60));
    this.tokens = Math.min(tokensPerMinute, Math.max(1, tokensPerMinute / 60));
    this.last = now();
  }

  private refill(): void {
    const at = this.now();
    const minutes = (at - this.last) / 60_000;
    this.last = at;
    this.requests = Math.min(this.requestsPerMinute, this.requests + minutes * this.requestsPerMinute);
    this.tokens = Math.min(this.tokensPerMinute, this.tokens + minutes * this.tokensPerMinute);
  }

  /** Waits until one request of `tokens` estimated tokens may go. */
  async acquire(tokens: number, signal?: AbortSignal): Promise<void> {
    const cost = Math.min(tokens, this.tokensPerMinute);
    for (;;) {
      const paused = this.pausedUntil - this.now();
      if (paused > 0) {
        await sleep(paused, undefined, { signal });
        continue;
      }
      this.refill();
      if (this.requests >= 1 && this.tokens >= cost) {
        this.requests -= 1;
        this.tokens -= cost;
        return;
      }
      const needRequests = this.requests >= 1 ? 0 : ((1 - this.requests) / this.requestsPerMinute) * 60_000;
      const needTokens = this.tokens >= cost ? 0 : ((cost - this.tokens) / this.tokensPerMinute) * 60_000;
      await sleep(Math.max(5, Math.ceil(Math.max(needRequests, needTokens))), undefined, { signal });
    }
  }

  /** Holds every sender back for `ms` (a 429 with Retry-After). */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
  }
}
