import type OpenAI from 'openai';
import type { BatchPhase } from '../batch-provider';

/** Every OpenAI batch status mapped to our phase; a new status in the SDK fails to compile here. */
export const OPENAI_STATUS_PHASE: Record<OpenAI.Batch['status'], BatchPhase> = {
  validating: 'validating',
  in_progress: 'in_progress',
  finalizing: 'finalizing',
  completed: 'completed',
  failed: 'failed',
  expired: 'expired',
  cancelling: 'cancelling',
  cancelled: 'cancelled',
};
