import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import type { BatchPhase, BatchStatus } from '../batch-provider';

/** The facts of a Message Batch that decide its phase. */
export type AnthropicBatchFacts = Pick<MessageBatch, 'processing_status' | 'request_counts' | 'cancel_initiated_at'>;

/**
 * How an `ended` batch ended. Anthropic has one terminal status for every ending, so we read the rest from
 * the batch:
 *   - a cancel was initiated (by us, or by someone in the console)  -> `cancelled`, even when every request
 *     finished before the cancel took effect: the results are collected either way, per item;
 *   - otherwise, some requests expired (the 24 h window ran out)    -> `expired`, with partial results;
 *   - otherwise                                                       -> `completed` (errored requests are
 *     per-item outcomes, as on OpenAI; a whole batch never "fails": a bad batch is refused at create).
 */
function endedPhase(batch: AnthropicBatchFacts): BatchPhase {
  if (batch.cancel_initiated_at) return 'cancelled';
  if (batch.request_counts.expired > 0) return 'expired';
  return 'completed';
}

/**
 * Every Anthropic `processing_status` mapped to our phase; a new status in the SDK fails to compile here.
 * There is no validating, finalizing or failed phase on Anthropic.
 */
export const ANTHROPIC_STATUS_PHASE: Record<MessageBatch['processing_status'], (batch: AnthropicBatchFacts) => BatchPhase> = {
  in_progress: () => 'in_progress',
  canceling: () => 'cancelling',
  ended: endedPhase,
};

/** Our phase of a Message Batch. */
export function anthropicPhase(batch: AnthropicBatchFacts): BatchPhase {
  return ANTHROPIC_STATUS_PHASE[batch.processing_status](batch);
}

/**
 * Anthropic's five request counts as our three: `completed` = succeeded, `failed` = errored + canceled +
 * expired, `total` = all five (processing included). The real API keeps everything in `processing` until the
 * batch ends; the counts only move at the end.
 */
export function anthropicCounts(counts: MessageBatch['request_counts']): BatchStatus['counts'] {
  const failed = counts.errored + counts.canceled + counts.expired;
  return { total: counts.processing + counts.succeeded + failed, completed: counts.succeeded, failed };
}
