import type { EmulatorClock } from '../clock';
import type { OpenAIBatchRecord, OpenAIBatchStatus } from '../state';

/** Statuses after which nothing changes any more. */
export const TERMINAL_OPENAI_STATUSES: ReadonlySet<OpenAIBatchStatus> = new Set(['failed', 'completed', 'expired', 'cancelled']);

/**
 * The Batch object of the OpenAI API for a record. Timestamps are wall-clock unix seconds (the real instant each
 * event happened, or, for `expires_at`, will happen at the current clock speed).
 */
export function openaiBatchObject(batch: OpenAIBatchRecord, clock: EmulatorClock): Record<string, unknown> {
  const { times, progress } = batch;
  const at = (ms: number | undefined) => clock.wallSecondsAt(ms);
  const showErrors = batch.status === 'failed' && batch.validationErrors;
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.endpoint,
    model: batch.model,
    errors: showErrors ? { object: 'list', data: batch.validationErrors } : null,
    input_file_id: batch.input_file_id,
    completion_window: batch.completion_window,
    status: batch.status,
    output_file_id: batch.output_file_id,
    error_file_id: batch.error_file_id,
    created_at: at(times.created),
    in_progress_at: at(times.in_progress),
    expires_at: at(times.expires),
    finalizing_at: at(times.finalizing),
    completed_at: at(times.completed),
    failed_at: at(times.failed),
    expired_at: at(times.expired),
    cancelling_at: at(times.cancelling),
    cancelled_at: at(times.cancelled),
    request_counts: {
      total: batch.status === 'validating' || batch.status === 'failed' ? 0 : progress.total,
      completed: progress.succeeded,
      failed: progress.failed,
    },
    usage: {
      input_tokens: progress.promptTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: progress.completionTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: progress.promptTokens + progress.completionTokens,
    },
    metadata: batch.metadata,
  };
}
