import type { Readable } from 'node:stream';
import type { ResultFormat } from './result-readers';
import type { Endpoint, OutputSchema, ProviderName } from '../spec/job-spec';
import type { BlobWriter } from '../storage/blob-store';
import type { ItemResult } from '../results/item-result';
import type { BatchStatus } from '../contracts/batch-status';

/** Provider limits and behaviour as data (../shared/PROVIDERS.md); never `if (provider === ...)`. */
export interface ProviderLimits {
  maxRequestsPerBatch: number;
  maxBytesPerBatch: number;
  /** Batch creations allowed per hour (0 = no documented limit). */
  maxBatchCreatesPerHour: number;
  /** The batch window the provider promises, in hours. */
  completionWindowHours: number;
  /** What batches usually take, in hours: used to plan deadlines. */
  expectedCompletionHours: number;
  /** Days the provider keeps results. */
  resultRetentionDays: number;
}

export interface ProviderCapabilities {
  endpoints: readonly Endpoint[];
  batch: boolean;
  flex: boolean;
  realtime: boolean;
  /** Batches carry our metadata tag, so a lost create response can be reconciled by listing. */
  batchMetadata: boolean;
}

/** Our phases of a provider batch, the terminal ones and a batch's status: src/contracts/batch-status.ts (the shard workflow reads them). */
export { TERMINAL_PHASES, type BatchPhase, type BatchStatus } from '../contracts/batch-status';

/** A rendered prompt before it becomes a provider request body. */
export type RenderedPrompt =
  | { messages: Array<{ role: 'system' | 'developer' | 'user' | 'assistant'; content: string }> }
  | { input: string }
  | { body: Record<string, unknown> };

export interface RequestShape {
  model: string;
  endpoint: Endpoint;
  params: Record<string, unknown>;
  outputSchema?: OutputSchema;
}

/** What one successful response said: the answer (parsed JSON when a schema was asked for) and token usage. */
export interface ParsedAnswer {
  /** Text, parsed JSON (structured output), or an embedding vector. Undefined when the body had none. */
  output: unknown;
  /** The raw text before JSON parsing (structured output), for error messages. */
  text?: string;
  tokensIn: number;
  tokensOut: number;
}

export interface SubmitRequest {
  jobId: string;
  /** Stable id of this shard attempt: the metadata tag and the key of the durable batch record. */
  shardAttemptId: string;
  endpoint: Endpoint;
  model: string;
  requestCount: number;
  bytes: number;
  /** Opens the shard file (provider batch lines, one per request). */
  openInput(): Readable;
  /** Name the uploaded file carries. */
  fileName: string;
}

/** What a provider without batch metadata matches a shard attempt's batches on. */
export interface FindHints {
  requestCount: number;
  /** Batches recorded for shard attempts (or as strays): never a candidate. */
  claimedBatchIds?: ReadonlySet<string>;
}

/** A batch at the provider that may be a shard attempt's (see BatchProvider.findBatches). */
export interface FoundBatch {
  batchId: string;
  createdAtMs: number;
  /** The uploaded input it was created from (OpenAI file id), deleted with it when it is a stray. */
  inputRef?: string;
}

/**
 * How a submit lets its caller fence it (src/providers/exactly-once-submit.ts). Either hook throws to stop the
 * submit; nothing is created after a throw.
 */
export interface SubmitHooks {
  /** The input was uploaded (providers that take files), before the create. */
  uploaded?(inputRef: string): Promise<void>;
  /** Right before the create request is sent. */
  beforeCreate?(): Promise<void>;
}

/** A synchronous request on the realtime (standard) or flex tier. */
export interface SyncRequest {
  customId: string;
  body: Record<string, unknown>;
  endpoint: Endpoint;
  tier: 'standard' | 'flex';
  /** Aborts the call (activity cancelled, or its deadline passed). */
  signal?: AbortSignal;
}

/**
 * One provider's batch API (and its synchronous tiers), built on its official SDK with the SDK's own
 * retries off: Temporal owns retries. Methods throw ProviderError.
 */
export interface BatchProvider {
  readonly name: ProviderName;
  readonly limits: ProviderLimits;
  readonly capabilities: ProviderCapabilities;

  /** The request body for one item. Deterministic: same input, same body. */
  buildBody(prompt: RenderedPrompt, shape: RequestShape): Record<string, unknown>;
  /** One line of the batch input file (no newline) from a custom_id and a body already serialized. */
  batchLine(customId: string, bodyJson: string, endpoint: Endpoint): string;
  /** Reads back a line made by batchLine. */
  parseBatchLine(line: string): { customId: string; body: Record<string, unknown> };
  /** The same request with a correction hint appended (repair rounds for invalid output). */
  withRepairHint(body: Record<string, unknown>, hint: string, endpoint: Endpoint): Record<string, unknown>;

  /**
   * Uploads the input (if the provider takes files) and creates the batch, calling the hooks on the way. NOT
   * idempotent: callers reconcile first (exactly-once-submit.ts). `inputRef` is the uploaded input, if any.
   */
  submit(request: SubmitRequest, hooks?: SubmitHooks): Promise<{ batchId: string; inputRef?: string }>;
  /**
   * The batches created since `sinceMs` (give or take the provider's clock skew) that may be this shard
   * attempt's, oldest first: those carrying its tag (capabilities.batchMetadata), else those with exactly
   * `hints.requestCount` requests that are not in `hints.claimedBatchIds`.
   */
  findBatches(shardAttemptId: string, sinceMs: number, hints: FindHints): Promise<FoundBatch[]>;
  /** Deletes an uploaded input; one that is already gone is not an error. A no-op where nothing is uploaded. */
  deleteInput(inputRef: string): Promise<void>;
  retrieve(batchId: string): Promise<BatchStatus>;
  /** Starts cancelling a batch; one that has already ended is left as it is (no error). */
  cancel(batchId: string): Promise<void>;
  /** Streams the batch's output and error lines into our storage (one JSON object per line). */
  download(status: BatchStatus, sinks: { output: BlobWriter; errors: BlobWriter }): Promise<void>;
  /**
   * The reader in RESULT_READERS (result-readers.ts) that parseResultLine and extractAnswer are, when they are
   * one: collect then reads large result files on threads. Leave it out for any other reading.
   */
  readonly resultFormat?: ResultFormat;
  /** Parses one downloaded output or error line. */
  parseResultLine(line: string): ItemResult;
  /** Reads the answer and usage out of a successful response body. */
  extractAnswer(body: unknown, endpoint: Endpoint): ParsedAnswer;

  /**
   * Sends one request synchronously. Resolves with the item's definitive result: an answer (`ok`), or a
   * permanent per-item error (invalid request, auth). Throws ProviderError for what may pass: rate limits
   * (`rate_limited` with retryAfterMs), flex capacity (`unavailable`), 5xx, timeouts, network errors.
   * On the flex tier the request carries `service_tier: "flex"` and a long timeout.
   */
  sendSync(request: SyncRequest): Promise<ItemResult>;
}
