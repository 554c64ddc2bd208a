import { isoOf } from '../clock';
import type { AnthropicBatchRecord } from '../state';

const iso = (ms: number | undefined): string | null => isoOf(ms === undefined ? null : ms / 1000);

/** `request_counts` of a Message Batch. */
export function anthropicRequestCounts(batch: AnthropicBatchRecord): Record<string, number> {
  const { progress } = batch;
  return {
    processing: progress.total - progress.processed,
    succeeded: progress.succeeded,
    errored: progress.failed - batch.canceled - batch.expired,
    canceled: batch.canceled,
    expired: batch.expired,
  };
}

/** The Message Batch object (RFC 3339 timestamps in emulated time); results_url once ended. */
export function anthropicBatchObject(batch: AnthropicBatchRecord, baseUrl: string): Record<string, unknown> {
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
    results_url: batch.processing_status === 'ended' ? `${baseUrl}/v1/messages/batches/${batch.id}/results` : null,
  };
}
