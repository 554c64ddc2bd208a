import { z } from 'zod';
import type { SyncTier } from '../contracts/tiers';

/** Providers Longhaul has adapters for; `openai-compatible` is any OpenAI-style batch host by baseURL. */
export const ProviderNameSchema = z.enum(['openai', 'azure-openai', 'openai-compatible', 'anthropic']);
export type ProviderName = z.infer<typeof ProviderNameSchema>;

/** How requests reach the provider: the batch API (default), the flex tier, synchronous calls, or chosen for you. */
export const ModeSchema = z.enum(['batch', 'flex', 'realtime', 'auto']);
export type Mode = z.infer<typeof ModeSchema>;

export const EndpointSchema = z.enum(['/v1/chat/completions', '/v1/responses', '/v1/embeddings', '/v1/messages']);
export type Endpoint = z.infer<typeof EndpointSchema>;

const fieldName = z.string().min(1);

/** Where the items come from: a JSONL or CSV file (streamed), or rows inline (small jobs from code). */
export const DatasetSchema = z.union([
  z.strictObject({
    path: z.string().min(1),
    /** Inferred from the file extension (.jsonl/.ndjson/.csv) when omitted. */
    format: z.enum(['jsonl', 'csv']).optional(),
    /** Field that identifies an item; a hash of the row when omitted. */
    idField: fieldName.optional(),
  }),
  z.strictObject({
    rows: z.array(z.record(z.string(), z.unknown())).min(1).max(10_000),
    idField: fieldName.optional(),
  }),
]);
export type Dataset = z.infer<typeof DatasetSchema>;

export const MessageSchema = z.strictObject({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  /** Text with {{field}} placeholders (dots reach nested fields: {{customer.name}}). */
  content: z.string(),
});

/**
 * The prompt: messages with {{field}} placeholders, a single `input` template (embeddings), or the name of
 * a request builder registered on the worker (code users), with a version string that changes when the
 * builder's output would change.
 */
export const PromptSchema = z.union([
  z.strictObject({ messages: z.array(MessageSchema).min(1) }),
  z.strictObject({ input: z.string().min(1) }),
  z.strictObject({ builder: z.string().min(1), builderVersion: z.string().min(1) }),
]);
export type Prompt = z.infer<typeof PromptSchema>;

/** JSON Schema for structured output; asked of the model and checked on every answer. */
export const OutputSchemaSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, _ and -, at most 64').default('output'),
  schema: z.record(z.string(), z.unknown()),
});
export type OutputSchema = z.infer<typeof OutputSchemaSchema>;

export const LimitsSchema = z.strictObject({
  /** Requests per shard; the provider's per-file maximum when omitted. */
  maxRequestsPerShard: z.number().int().positive().optional(),
  /** Bytes per shard file; the provider's per-file maximum (with a margin) when omitted. */
  maxBytesPerShard: z.number().int().positive().optional(),
  /** Estimated prompt tokens per shard; unbounded when omitted. */
  maxTokensPerShard: z.number().int().positive().optional(),
  /** One request's rendered size; a bigger one fails permanently as a bad row. Default 1 MiB. */
  maxRequestBytes: z.number().int().positive().default(1024 * 1024),
  /** Shards with a provider batch open at once. Default 4. */
  shardsInFlight: z.number().int().positive().max(1000).default(4),
  /** Estimated prompt tokens enqueued at the provider at once (its per-model quota); unbounded when omitted. */
  enqueuedTokenBudget: z.number().int().positive().optional(),
  /** After the provider refuses a batch for its enqueued quota, wait this long before trying again. Default 60. */
  quotaRetrySeconds: z.number().positive().max(86_400).default(60),
});

/** Failure reasons a retry round may pick up again. */
export const RetryableReasonSchema = z.enum([
  'server_error',
  'rate_limited',
  'expired',
  'provider_cancelled',
  'invalid_output',
  'batch_failed',
  'missing_result',
  'malformed_result',
  'conflicting_results',
]);
export type RetryableReason = z.infer<typeof RetryableReasonSchema>;

export const RetrySchema = z.strictObject({
  /** Rounds after the first; 0 = no retries. Default 3. */
  maxRounds: z.number().int().min(0).max(20).default(3),
  retryOn: z.array(RetryableReasonSchema).default([...RetryableReasonSchema.options]),
  /** Retry invalid outputs with the validation error added to the prompt. Default true. */
  repair: z.boolean().default(true),
  /** Each retry round's shards hold at most this fraction of the previous round's. Default 0.5. */
  shrinkFactor: z.number().gt(0).max(1).default(0.5),
});

export const PollingSchema = z.strictObject({
  initialSeconds: z.number().positive().default(5),
  maxSeconds: z.number().positive().default(600),
  factor: z.number().min(1).default(2),
  /**
   * A batch still running this long past its provider's `expires_at`, with no progress for as long (both on the
   * provider's clock), is overdue: it is cancelled, what it finished is collected and the rest retried; if even
   * the cancel has not settled after as long again, the shard stops waiting. Default 60.
   */
  expiryGraceMinutes: z.number().positive().default(60),
});

/** The synchronous tiers (realtime, flex): how fast to send, and how to treat flex capacity errors. */
export const RealtimeSchema = z.strictObject({
  /** Requests per minute across the job (split evenly between the shards in flight). Default 500. */
  requestsPerMinute: z.number().positive().default(500),
  /** Estimated prompt tokens per minute across the job. Default 2,000,000. */
  tokensPerMinute: z.number().positive().default(2_000_000),
  /** Requests in flight at once per shard. Default 8. */
  concurrency: z.number().int().positive().max(256).default(8),
  /** Requests per shard when a job runs synchronously from the start. Default 200. */
  chunkSize: z.number().int().positive().default(200),
  /** Attempts per request within a shard before it is left to the next round. Default 4. */
  maxAttempts: z.number().int().positive().max(20).default(4),
  /** On flex, when capacity stays unavailable, send at the standard tier (full price) instead. Default true. */
  flexFallbackToStandard: z.boolean().default(true),
});

/** The faster tiers, in the tier family's terms (src/contracts/tiers.ts). */
const SYNC_TIERS = ['flex', 'realtime'] as const satisfies readonly SyncTier[];

/** When a job with a deadline stops waiting for batches and moves to faster tiers. */
export const FallbackSchema = z.strictObject({
  /** Finish this long before the deadline. Default 15. */
  marginMinutes: z.number().min(0).default(15),
  /** How long a batch is expected to take; the provider's typical time when omitted. */
  expectedBatchHours: z.number().positive().optional(),
  /** Faster tiers to move to, in order (a tier the provider lacks is skipped). Default flex, then realtime. */
  tiers: z.array(z.enum(SYNC_TIERS)).min(1).default([...SYNC_TIERS]),
});

/** How `mode: auto` chooses. */
export const AutoModeSchema = z.strictObject({
  /** Jobs up to this many items run in realtime (fast feedback; the saving would be small). Default 200. */
  realtimeMaxItems: z.number().int().min(0).default(200),
});

/** How soon a crashed worker's activities move to another worker; and the per-call limit of provider requests. */
export const TimeoutsSchema = z.strictObject({
  /** Activities heartbeat at least this often; a worker silent this long is presumed dead. Default 60. */
  heartbeatSeconds: z.number().positive().max(3600).default(60),
  /** One provider management call (status, cancel). Default 120. */
  requestSeconds: z.number().positive().max(3600).default(120),
});

export const OutputSchemaLocation = z.strictObject({
  /** Folder for results.jsonl, dead-letter.jsonl and report.json; `<dataDir>/jobs/<jobId>` when omitted. */
  dir: z.string().min(1).optional(),
  format: z.enum(['jsonl', 'csv']).default('jsonl'),
  /** Copy the input row into each result line. Default false. */
  includeInput: z.boolean().default(false),
});

export const JobSpecSchema = z.strictObject({
  /** Stable job id: letters, digits, dot, dash, underscore. Generated by the client when omitted. */
  jobId: z.string().regex(/^[a-zA-Z0-9._-]{1,80}$/, 'letters, digits, ., _ and -, at most 80').optional(),
  dataset: DatasetSchema,
  provider: ProviderNameSchema.default('openai'),
  /** Named connection in the worker's configuration (base URL, key); the provider's default when omitted. */
  account: z.string().min(1).optional(),
  model: z.string().min(1),
  endpoint: EndpointSchema.optional(),
  prompt: PromptSchema,
  /** Extra request parameters merged into every request body (temperature, max_tokens, ...). */
  params: z.record(z.string(), z.unknown()).default({}),
  outputSchema: OutputSchemaSchema.optional(),
  mode: ModeSchema.default('batch'),
  limits: LimitsSchema.default(LimitsSchema.parse({})),
  retry: RetrySchema.default(RetrySchema.parse({})),
  polling: PollingSchema.default(PollingSchema.parse({})),
  timeouts: TimeoutsSchema.default(TimeoutsSchema.parse({})),
  realtime: RealtimeSchema.default(RealtimeSchema.parse({})),
  fallback: FallbackSchema.default(FallbackSchema.parse({})),
  auto: AutoModeSchema.default(AutoModeSchema.parse({})),
  /** Answer items from earlier results of the same task version and request. Default true. */
  reuseCachedAnswers: z.boolean().default(true),
  /** Run a model that has no price in the price table (costs then read 0). Default false: such a spec is refused. */
  allowUnknownModel: z.boolean().default(false),
  /** ISO 8601 time by which every item should have its outcome. */
  deadline: z.iso.datetime({ offset: true }).optional(),
  output: OutputSchemaLocation.default(OutputSchemaLocation.parse({})),
  /** Free-form labels shown in the Temporal UI memo. */
  labels: z.record(z.string(), z.string()).default({}),
});

/** What users write (defaults optional). */
export type JobSpecInput = z.input<typeof JobSpecSchema>;
/** A parsed spec, defaults filled. */
export type JobSpec = z.infer<typeof JobSpecSchema>;

/**
 * A spec ready to run: it has a job id, its dataset is a file path (inline rows were written to storage by
 * the client), its endpoint is settled, and its taskVersion is computed. This is what workflows carry.
 */
export type ResolvedJobSpec = Omit<JobSpec, 'dataset' | 'jobId' | 'endpoint'> & {
  jobId: string;
  dataset: { path: string; format: 'jsonl' | 'csv'; idField?: string };
  endpoint: Endpoint;
  taskVersion: string;
  /**
   * Where the job's data lives (the worker that began the generation names its stores: storage-identity.ts);
   * every activity checks it is on the same stores. Absent in specs from before it was recorded.
   */
  storage?: string;
};
