/**
 * A provider batch as Longhaul sees it: our phases (each adapter maps its statuses here with an exhaustive
 * table), which of them end it, and the status a poll returns. Sandbox-safe: the shard workflow reads them too.
 */
export type BatchPhase = 'validating' | 'in_progress' | 'finalizing' | 'completed' | 'failed' | 'expired' | 'cancelling' | 'cancelled';

/** The phases a batch does not leave: time to collect. */
export const TERMINAL_PHASES: ReadonlySet<BatchPhase> = new Set<BatchPhase>(['completed', 'failed', 'expired', 'cancelled']);

/** What a poll of a batch returns. */
export interface BatchStatus {
  batchId: string;
  phase: BatchPhase;
  counts: { total: number; completed: number; failed: number };
  /** Provider handles to download (OpenAI file ids, an Anthropic results URL); absent until there is something. */
  outputRef?: string;
  errorRef?: string;
  /** Batch-level problems (input validation), with the input line where the provider gives one. */
  errors: Array<{ code: string; message: string; line?: number }>;
  createdAtMs?: number;
  expiresAtMs?: number;
  /** The provider's clock when it answered (its `Date` header): compare with expiresAtMs, never our own clock. */
  observedAtMs?: number;
  /** The uploaded input the batch was created from (OpenAI file id), when the provider takes uploads. */
  inputRef?: string;
}
