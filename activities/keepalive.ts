import { ApplicationFailure, CancelledFailure, activityInfo, cancellationDetails, cancellationSignal, heartbeat, log } from '@temporalio/activity';

/** Progress an activity reports with each heartbeat: counters that grow while its work moves (rows, lines, bytes). */
export type Progress = Record<string, number | string>;

/**
 * How long a step may go without progress before it is presumed stuck, by the longest wait it may
 * legitimately have with no counter moving. Counters include blob bytes read and written (metered-blobs.ts),
 * so a slow upload or download still moves; what is left are single calls: a provider request (bounded by the
 * account's `timeoutMs`, 2 min by default), a store transaction (an upsert of 10,000 outcomes, an index over a
 * job's answers), an S3 part. Each bound is several times those; a worker may set its own (ActivityDeps.stallMs),
 * which must stay above the provider accounts' `timeoutMs` (and `flexTimeoutMs` for the sync tiers).
 */
export const STALL_BOUNDS_MS = {
  /** Blob and result store work (beginGeneration, prepare, planRound, finalize) and collect's download. */
  steps: 10 * 60_000,
  /** Submit: reconcile listings, the upload's answer (the provider checks the file), the create. */
  submit: 15 * 60_000,
  /** Realtime and flex sends: one flex request may wait up to the account's flexTimeoutMs (15 min by default). */
  sync: 20 * 60_000,
} as const;

export interface KeepaliveOptions {
  /** Progress-free time after which the step stops heartbeating (ms); never less than two heartbeat timeouts. */
  stallMs?: number;
}

/**
 * Runs `work` while heartbeating at a third of the activity's heartbeat timeout, each beat carrying `progress()`
 * (for `longhaul status`, the UI's pending activities and the next attempt's heartbeatDetails). When the progress
 * has not changed for the stall window, the beats stop: Temporal times the attempt out one heartbeat timeout
 * later and retries it (on any worker), and this attempt is abandoned (its `signal` aborted, a retryable
 * ActivityStalled thrown) two heartbeat timeouts after the last beat, so a stuck read frees its worker slot. Without
 * `progress`, beats go on as long as the work runs (a dead worker is still noticed).
 * `signal` is aborted when the activity is cancelled or abandoned; a failure after a cancel request is
 * reported as that cancellation (CancelledFailure), whatever error the interrupted work threw.
 */
export async function withKeepalive<T>(work: (signal: AbortSignal) => Promise<T>, progress?: () => Progress, options: KeepaliveOptions = {}): Promise<T> {
  const cancelled = cancellationSignal();
  const abandon = new AbortController();
  const signal = AbortSignal.any([cancelled, abandon.signal]);
  const timeoutMs = activityInfo().heartbeatTimeoutMs;
  if (!timeoutMs) return asCancellation(work(signal), cancelled);
  const windowMs = Math.max(options.stallMs ?? STALL_BOUNDS_MS.steps, 2 * timeoutMs);
  let last = progress ? JSON.stringify(progress()) : '';
  let movedAt = Date.now();
  let onStall: (err: unknown) => void = () => undefined;
  const stalled = new Promise<never>((_, reject) => (onStall = reject));
  let abandonTimer: NodeJS.Timeout | undefined;
  const beat = () => {
    const details = progress?.();
    const now = details ? JSON.stringify(details) : '';
    if (now !== last) [last, movedAt] = [now, Date.now()];
    if (!progress || Date.now() - movedAt < windowMs) return heartbeat(details);
    clearInterval(timer);
    log.warn('no progress: heartbeats stopped, Temporal retries this attempt after its heartbeat timeout', { progress: details, stalledSeconds: Math.round((Date.now() - movedAt) / 1000) });
    abandonTimer = setTimeout(() => {
      const failure = ApplicationFailure.retryable(`no progress for ${Math.round((Date.now() - movedAt) / 1000)} s (${now}): attempt abandoned`, 'ActivityStalled');
      abandon.abort(failure);
      onStall(failure);
    }, 2 * timeoutMs); // the SDK may still send one throttled beat (up to 0.8 of the timeout) before the server's timeout
  };
  const timer = setInterval(beat, Math.max(200, Math.floor(timeoutMs / 3)));
  if (progress) heartbeat(progress());
  try {
    const running = work(signal);
    running.catch(() => undefined); // abandoned: its late failure is nobody's
    return await asCancellation(Promise.race([running, stalled]), cancelled);
  } finally {
    clearInterval(timer);
    clearTimeout(abandonTimer);
  }
}

/** The work's result; after a cancel request, any failure becomes the cancellation (so Temporal records a cancel). */
async function asCancellation<T>(work: Promise<T>, cancelled: AbortSignal): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (cancelled.aborted && cancellationDetails()?.cancelRequested && !(err instanceof CancelledFailure)) {
      throw cancelled.reason instanceof CancelledFailure ? cancelled.reason : new CancelledFailure('CANCELLED');
    }
    throw err;
  }
}

/**
 * The progress the previous attempt last reported (its heartbeat details), if this is a retry that had any:
 * what a step may skip, and what its logs say it resumes from.
 */
export function previousProgress(): Progress | undefined {
  const details = activityInfo().heartbeatDetails as unknown;
  return details && typeof details === 'object' ? (details as Progress) : undefined;
}
