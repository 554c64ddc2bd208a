/** Where emulated time stood at one real instant, and how fast it ran from there; persisted so a restart resumes. */
export interface ClockAnchor {
  /** Emulated time at the anchor, milliseconds on the emulator's own timeline. */
  emulatedMs: number;
  /** Real time (Date.now()) at the anchor. */
  realMs: number;
  /** Emulated milliseconds per real millisecond from this anchor on. */
  speed: number;
}

/**
 * Two clocks. The emulated timeline is what batches are scheduled on: it runs `speed` times faster than real
 * time, so a phase of N emulated seconds lasts N / speed real seconds. The wall clock is what clients see:
 * every timestamp the emulator reports (created_at, in_progress_at, expires_at, ...) is the real instant at which
 * the timeline reached that event, so durations are compressed and no past timestamp is ever ahead of the
 * wall clock (a real provider's clock, and its `Date` header, is the wall clock too).
 *
 * The timeline is a chain of anchors, one per speed in force (oldest first), so events keep their real instant
 * after a speed change. After a restart from persisted anchors the timeline went on while the emulator was
 * down (batches kept "processing", as at a real provider).
 */
export class EmulatorClock {
  private readonly anchors: ClockAnchor[];

  /**
   * @param speed emulated milliseconds per real millisecond; a persisted timeline at another speed is re-anchored now
   * @param persisted the anchors of an earlier run (a single anchor, as older state files hold it, is accepted)
   */
  constructor(speed: number, persisted?: ClockAnchor[] | ClockAnchor, private readonly realNow: () => number = Date.now) {
    const earlier = Array.isArray(persisted) ? persisted : persisted ? [persisted] : [];
    this.anchors = earlier.length ? earlier.map((anchor) => ({ ...anchor })) : [{ emulatedMs: realNow(), realMs: realNow(), speed }];
    if (this.speed !== speed) this.setSpeed(speed);
  }

  /** Emulated now on the timeline, milliseconds (schedules only: never shown to a client). */
  emulatedNowMs(): number {
    const { emulatedMs, realMs, speed } = this.current();
    return emulatedMs + (this.realNow() - realMs) * speed;
  }

  /** The wall clock, unix milliseconds: the provider's clock as clients see it. */
  wallNowMs(): number {
    return this.realNow();
  }

  /** The wall clock, unix seconds (as the OpenAI API reports timestamps). */
  nowSeconds(): number {
    return Math.floor(this.realNow() / 1000);
  }

  /**
   * The real instant (unix milliseconds) at which the timeline reached `emulatedMs`, or, for a time still ahead,
   * will reach it at the current speed. A past instant is never after the wall clock.
   */
  wallMsAt(emulatedMs: number): number {
    const anchor = this.anchorOf(emulatedMs);
    const wall = anchor.realMs + (emulatedMs - anchor.emulatedMs) / anchor.speed;
    // float rounding must not put a past event a fraction of a millisecond ahead of now
    return emulatedMs <= this.emulatedNowMs() ? Math.min(wall, this.realNow()) : wall;
  }

  /** wallMsAt in unix seconds (OpenAI), or null for an event that has not happened. */
  wallSecondsAt(emulatedMs: number | undefined): number | null {
    return emulatedMs === undefined ? null : Math.floor(this.wallMsAt(emulatedMs) / 1000);
  }

  /** Changes the speed from now on; the timeline does not jump and past events keep their real instants. */
  setSpeed(speed: number): void {
    const anchor = { emulatedMs: this.emulatedNowMs(), realMs: this.realNow(), speed };
    if (this.current().emulatedMs === anchor.emulatedMs) this.anchors.pop();
    this.anchors.push(anchor);
  }

  get speed(): number {
    return this.current().speed;
  }

  /** The timeline's anchors, oldest first (a copy, for the state file). */
  timeline(): ClockAnchor[] {
    return this.anchors.map((anchor) => ({ ...anchor }));
  }

  private current(): ClockAnchor {
    return this.anchors[this.anchors.length - 1] as ClockAnchor;
  }

  /** The anchor in force at `emulatedMs`: the last one not after it (the first, for a time before them all). */
  private anchorOf(emulatedMs: number): ClockAnchor {
    for (let i = this.anchors.length - 1; i > 0; i -= 1) {
      const anchor = this.anchors[i] as ClockAnchor;
      if (anchor.emulatedMs <= emulatedMs) return anchor;
    }
    return this.anchors[0] as ClockAnchor;
  }
}

/** RFC 3339 text of a unix time in milliseconds (Anthropic reports timestamps this way), or null. */
export function isoOf(unixMs: number | null | undefined): string | null {
  return unixMs == null ? null : new Date(unixMs).toISOString();
}
