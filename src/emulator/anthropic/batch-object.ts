import { isoOf, type EmulatorClock } from '../clock';
import type { AnthropicBatchRecord } from '../state';

/**
 * `request_counts` of a Message Batch, as the API reports them: every request counts as `processing` until the
 * whole batch has ended, then all of them move at once to succeeded / errored / canceled / expired.
 */
export function anthropicRequestCounts(batch: AnthropicBatchRecord): Record<string, number> {
  if (batch.processing_status !== 'ended') return { processing: batch.progress.total, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  return anthropicProgressCounts(batch);
}

/** What the batch has done so far, in the five counts (inspection shows this; the API only once it ended). */
export function anthropicProgressCounts(batch: AnthropicBatchRecord): Record<string, number> {
  const { progress } = batch;
  return {
    processing: progress.total - progress.processed,
    succeeded: progress.succeeded,
    errored: progress.failed - batch.canceled - batch.expired,
    canceled: batch.canceled,
    expired: batch.expired,
  };
}

/**
 * The Message Batch object: RFC 3339 wall-clock timestamps (the real instant of each event; `expires_at` when it
 * will pass at the current clock speed), and once ended a `results_url` on `origin`, the origin the client called.
 */
export function anthropicBatchObject(batch: AnthropicBatchRecord, origin: string, clock: EmulatorClock): Record<string, unknown> {
  const iso = (ms: number | undefined) => isoOf(ms === undefined ? null : clock.wallMsAt(ms));
  return {
    id: batch.id,
    type: 'message_batch',
    processing_status: batch.processing_status,
    request_counts: anthropicRequestCounts(batch),
    ended_at: iso(batch.times.ended),
    created_at: iso(batch.times.created),
    expires_at: iso(batch.times.expires),
    archived_at: null,
    cancel_initiated_at: iso(batch.times.cancel_initiated),
    results_url: batch.processing_status === 'ended' ? `${origin}/v1/messages/batches/${batch.id}/results` : null,
  };
}
