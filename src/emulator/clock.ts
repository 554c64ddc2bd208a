/** Where emulated time stood at one real instant, and how fast it runs; persisted so a restart resumes. */
export interface ClockAnchor {
  /** Emulated time at the anchor, unix milliseconds. */
  emulatedMs: number;
  /** Real time (Date.now()) at the anchor. */
  realMs: number;
  /** Emulated milliseconds per real millisecond. */
  speed: number;
}

/**
 * Emulated time: starts at the real time of the first start, then runs `speed` times faster. After a
 * restart from a persisted anchor it keeps the same mapping, so emulated time went on while the emulator
 * was down (batches kept "processing", as at a real provider).
 */
export class EmulatorClock {
  private anchorPoint: ClockAnchor;

  constructor(speed: number, persisted?: ClockAnchor, private readonly realNow: () => number = Date.now) {
    this.anchorPoint = persisted ?? { emulatedMs: realNow(), realMs: realNow(), speed };
    if (this.anchorPoint.speed !== speed) this.setSpeed(speed);
  }

  /** Emulated now, unix milliseconds. */
  nowMs(): number {
    const { emulatedMs, realMs, speed } = this.anchorPoint;
    return emulatedMs + (this.realNow() - realMs) * speed;
  }

  /** Emulated now, unix seconds (as the OpenAI API reports timestamps). */
  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** Changes the speed from now on; emulated time does not jump. */
  setSpeed(speed: number): void {
    this.anchorPoint = { emulatedMs: this.nowMs(), realMs: this.realNow(), speed };
  }

  get speed(): number {
    return this.anchorPoint.speed;
  }

  /** Real milliseconds until emulated time reaches `emulatedMs` (0 if already past). */
  realMsUntil(emulatedMs: number): number {
    return Math.max(0, (emulatedMs - this.nowMs()) / this.anchorPoint.speed);
  }

  anchor(): ClockAnchor {
    return { ...this.anchorPoint };
  }
}

/** RFC 3339 text of an emulated time in unix seconds (Anthropic reports timestamps this way). */
export function isoOf(unixSeconds: number | null | undefined): string | null {
  return unixSeconds == null ? null : new Date(unixSeconds * 1000).toISOString();
}
