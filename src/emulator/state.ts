import type { ClockAnchor } from './clock';
import type { Provider } from './scenario';

/**
 * The emulator's whole persisted state: metadata only. File contents (uploads, outputs, Anthropic request
 * lists) live as files next to it and are referenced by name. Times are milliseconds on the emulated timeline
 * (EmulatorClock), turned into the wall-clock instants clients see only when shown.
 */
export interface EmulatorState {
  version: 1;
  /** Random per data directory, so ids stay unique across restarts. */
  instance: string;
  /** The clock's timeline, oldest anchor first (a single anchor in state files written before speed changes were kept). */
  clock: ClockAnchor[] | ClockAnchor | null;
  /** Sequence number of the last id handed out. */
  sequence: number;
  files: Record<string, FileRecord>;
  openaiBatches: Record<string, OpenAIBatchRecord>;
  anthropicBatches: Record<string, AnthropicBatchRecord>;
  createAttempts: CreateAttempt[];
  /** How many times each custom_id was submitted in a created batch, and in which batches. */
  submissions: Record<Provider, Record<string, SubmissionCount>>;
  /** Synchronous calls, keyed `provider endpoint model service_tier`. */
  syncRequests: Record<string, number>;
  /** How often each fault rule matched (keyed by section and index); reset when the scenario changes. */
  ruleHits: Record<string, number>;
}

export interface FileRecord {
  id: string;
  seq: number;
  bytes: number;
  createdMs: number;
  filename: string;
  purpose: string;
  /** Name of the content file inside the files directory. */
  blob: string;
}

/** How far a batch got through its request list; the cursor state a restart resumes from. */
export interface BatchProgress {
  total: number;
  /** Requests taken from the input so far (answered, errored or expired). */
  processed: number;
  /** Byte offset in the input file of the next request line. */
  inputOffset: number;
  succeeded: number;
  failed: number;
  /** Bytes of the output / error (Anthropic: results) files that belong to `processed`. */
  outputBytes: number;
  errorBytes: number;
  promptTokens: number;
  completionTokens: number;
}

/** What the scenario decided for a batch when it was created. */
export interface BatchFate {
  kind: 'normal' | 'expire' | 'stall';
  atFraction: number;
  forever: boolean;
}

export type OpenAIBatchStatus =
  | 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

export interface ValidationError {
  code: string;
  message: string;
  line: number | null;
  param: string | null;
}

export interface OpenAIBatchRecord {
  id: string;
  seq: number;
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  metadata: Record<string, string> | null;
  model: string | null;
  status: OpenAIBatchStatus;
  times: Partial<Record<'created' | 'in_progress' | 'finalizing' | 'completed' | 'failed' | 'expired' | 'cancelling' | 'cancelled' | 'expires', number>>;
  /** Decided at create; reported once validation time has passed. */
  validationErrors: ValidationError[] | null;
  output_file_id: string | null;
  error_file_id: string | null;
  /** Names of the output and error blobs being written (files directory). */
  outputBlob: string;
  errorBlob: string;
  /** Estimated prompt tokens of the whole input (counted against the enqueued-token quota). */
  enqueuedTokens: number;
  progress: BatchProgress;
  fate: BatchFate;
}

export type AnthropicProcessingStatus = 'in_progress' | 'canceling' | 'ended';

export interface AnthropicBatchRecord {
  id: string;
  seq: number;
  processing_status: AnthropicProcessingStatus;
  models: string[];
  times: Partial<Record<'created' | 'ended' | 'expires' | 'cancel_initiated', number>>;
  /** Normalized JSONL of `{custom_id, params}` lines (files directory). */
  requestsBlob: string;
  resultsBlob: string;
  canceled: number;
  expired: number;
  deleted: boolean;
  progress: BatchProgress;
  fate: BatchFate;
}

export type CreateOutcome = 'ok' | 'response_lost' | 'error' | 'quota_exceeded' | 'invalid' | 'endpoint_fault';

export interface CreateAttempt {
  provider: Provider;
  /** On the emulated timeline (milliseconds). */
  atMs: number;
  outcome: CreateOutcome;
  /** The batch, when one was created (also for response_lost). */
  batchId: string | null;
  httpStatus: number;
  metadata: Record<string, string> | null;
  model: string | null;
  message?: string;
}

export interface SubmissionCount {
  count: number;
  batches: string[];
}

export function emptyState(instance: string): EmulatorState {
  return {
    version: 1,
    instance,
    clock: null,
    sequence: 0,
    files: {},
    openaiBatches: {},
    anthropicBatches: {},
    createAttempts: [],
    submissions: { openai: {}, anthropic: {} },
    syncRequests: {},
    ruleHits: {},
  };
}
