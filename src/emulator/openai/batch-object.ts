import type { OpenAIBatchRecord, OpenAIBatchStatus } from '../state';

/** Statuses after which nothing changes any more. */
export const TERMINAL_OPENAI_STATUSES: ReadonlySet<OpenAIBatchStatus> = new Set(['failed', 'completed', 'expired', 'cancelled']);

const seconds = (ms: number | undefined): number | null => (ms === undefined ? null : Math.floor(ms / 1000));

/** The Batch object of the OpenAI API for a record (timestamps in emulated unix seconds). */
export function openaiBatchObject(batch: OpenAIBatchRecord): Record<string, unknown> {
  const { times, progress } = batch;
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
    created_at: seconds(times.created),
    in_progress_at: seconds(times.in_progress),
    expires_at: seconds(times.expires),
    finalizing_at: seconds(times.finalizing),
    completed_at: seconds(times.completed),
    failed_at: seconds(times.failed),
    expired_at: seconds(times.expired),
    cancelling_at: seconds(times.cancelling),
    cancelled_at: seconds(times.cancelled),
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
