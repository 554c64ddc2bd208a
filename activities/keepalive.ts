import { activityInfo, heartbeat } from '@temporalio/activity';

/**
 * Runs `work` while heartbeating at a third of the activity's heartbeat timeout, so a long provider call
 * (an upload, a slow create) keeps the activity alive and a dead worker is noticed within the timeout.
 * `details` is sent with each beat (progress for `longhaul status` and the UI).
 */
export async function withKeepalive<T>(work: () => Promise<T>, details?: () => unknown): Promise<T> {
  const timeoutMs = activityInfo().heartbeatTimeoutMs;
  if (!timeoutMs) return work();
  const timer = setInterval(() => heartbeat(details?.()), Math.max(200, Math.floor(timeoutMs / 3)));
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
