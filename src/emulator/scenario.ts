import { z } from 'zod';

/**
 * A scenario: how fast emulated time runs, how long batch phases take, which limits apply and which faults
 * happen. Everything is data and every draw is a hash of `seed` and stable request facts, so a scenario
 * replays identically. Durations are emulated seconds, each lasting 1 / clock.speed real seconds; timestamps
 * stay on the wall clock (see EmulatorClock). Latencies of synchronous calls are real milliseconds.
 */

const providerSchema = z.enum(['openai', 'anthropic']);

/** Selects which created batches or requests a rule applies to, and how often. */
const ruleSelection = {
  /** Only this provider (default: both). */
  provider: providerSchema.optional(),
  /** Only batches / requests for this model (exact match). */
  model: z.string().optional(),
  /** Skip the first N matching occurrences. */
  after: z.number().int().nonnegative().default(0),
  /** Apply at most N times (default: unlimited). */
  count: z.number().int().positive().optional(),
  /** Chance of applying to each matching occurrence, drawn from the seed (default 1). */
  probability: z.number().min(0).max(1).default(1),
};

const BatchFaultSchema = z.object({
  ...ruleSelection,
  /**
   * fail_validation: the OpenAI batch ends `failed` with errors.data (Anthropic: no validation phase, ignored);
   * expire: processing stops at `atFraction` and the batch expires at expires_at with partial results;
   * stall: processing stops at `atFraction`; the batch expires at expires_at, or never ends if `forever`.
   */
  kind: z.enum(['fail_validation', 'expire', 'stall']),
  atFraction: z.number().min(0).max(1).default(0.5),
  forever: z.boolean().default(false),
  code: z.string().default('invalid_request'),
  message: z.string().default('The batch input file failed validation (scenario fault).'),
});

const CreateFaultSchema = z.object({
  ...ruleSelection,
  /**
   * The batch really is created; the client sees a 500 (`status_500`), a dropped connection (`close`), or no
   * answer at all until its own timeout (`hang`: a worker killed while waiting never learns the batch id).
   */
  kind: z.literal('response_lost').default('response_lost'),
  response: z.enum(['status_500', 'close', 'hang']).default('status_500'),
});

const EndpointFaultSchema = z.object({
  /** HTTP method to match (default: any). */
  method: z.string().toUpperCase().optional(),
  /** Path pattern: `*` matches one path segment, `**` anything; or a regular expression source starting with `^`. */
  path: z.string(),
  /**
   * status: answer `status` in the provider's error format; hang: never answer; close: destroy the socket;
   * delay: handle the request normally after `delayMs` real milliseconds (a slow upload or create).
   */
  action: z.enum(['status', 'hang', 'close', 'delay']).default('status'),
  delayMs: z.number().int().nonnegative().default(1000),
  status: z.number().int().min(400).max(599).default(500),
  message: z.string().optional(),
  code: z.string().optional(),
  /** Sent as retry-after / retry-after-ms headers when set (real seconds). */
  retryAfterSeconds: z.number().nonnegative().optional(),
  after: z.number().int().nonnegative().default(0),
  count: z.number().int().positive().optional(),
  probability: z.number().min(0).max(1).default(1),
});

const rate = z.number().min(0).max(1).default(0);

export const ScenarioSchema = z.object({
  /** Seed of every fault draw. */
  seed: z.string().default('longhaul'),
  clock: z.object({
    /** Emulated seconds per real second (3600: an emulated hour of batch phases per real second). */
    speed: z.number().positive().default(1000),
  }).prefault({}),
  timing: z.object({
    validatingSeconds: z.number().nonnegative().default(60),
    /** Time to process a whole batch; requests complete progressively over it. */
    inProgressSeconds: z.number().nonnegative().default(600),
    /** Extra processing time per request. */
    perRequestSeconds: z.number().nonnegative().default(0),
    finalizingSeconds: z.number().nonnegative().default(60),
    /** How long cancelling / canceling lasts (a slow cancel is a large value). */
    cancellingSeconds: z.number().nonnegative().default(60),
    /** expires_at = created_at + this, compressed like every duration (the 24 h completion window). */
    completionWindowSeconds: z.number().positive().default(86_400),
  }).prefault({}),
  limits: z.object({
    openaiMaxRequestsPerFile: z.number().int().positive().default(50_000),
    openaiMaxFileBytes: z.number().int().positive().default(200 * 1024 * 1024),
    openaiMaxEmbeddingInputs: z.number().int().positive().default(50_000),
    anthropicMaxRequestsPerBatch: z.number().int().positive().default(100_000),
    anthropicMaxBatchBytes: z.number().int().positive().default(256 * 1024 * 1024),
  }).prefault({}),
  /** Per-request outcomes inside batches, drawn from hash(seed, custom_id, submission number). */
  requestFaults: z.object({
    invalidRequestRate: rate,
    serverErrorRate: rate,
    rateLimitRate: rate,
    /** Of schema-constrained answers: invalid JSON or JSON missing a required field. */
    brokenSchemaRate: rate,
  }).prefault({}),
  batchFaults: z.array(BatchFaultSchema).default([]),
  createFaults: z.array(CreateFaultSchema).default([]),
  /** GET of a batch answers 404 for this many emulated seconds after its creation. */
  retrieveNotFoundSeconds: z.number().nonnegative().default(0),
  quotas: z.object({
    /** OpenAI: max prompt tokens in non-terminal batches, per model. */
    openaiEnqueuedTokens: z.record(z.string(), z.number().int().positive()).default({}),
    /**
     * What an over-quota create gets. fail_batch (the real API): the create succeeds and the batch then ends
     * `failed` with errors.data[].code `token_limit_exceeded`; reject_400 / reject_429: the create is refused
     * with that HTTP status and code `token_limit_exceeded` (a host that refuses at create: for tests of that path).
     */
    openaiOnExceeded: z.enum(['reject_400', 'reject_429', 'fail_batch']).default('fail_batch'),
    /** Anthropic: max requests processing at once (over: 429 rate_limit_error). */
    anthropicProcessingRequests: z.number().int().positive().optional(),
  }).prefault({}),
  endpointFaults: z.array(EndpointFaultSchema).default([]),
  flex: z.object({
    /** Real milliseconds a flex call takes. */
    latencyMs: z.number().nonnegative().default(50),
    /** Chance a flex call answers 429 resource_unavailable (drawn from the body hash and call number). */
    unavailableRate: rate,
    retryAfterSeconds: z.number().nonnegative().default(1),
  }).prefault({}),
  sync: z.object({ latencyMs: z.number().nonnegative().default(0) }).prefault({}),
  model: z.object({ embeddingDimensions: z.number().int().positive().default(256) }).prefault({}),
});

/** What a user writes (every field optional). */
export type Scenario = z.input<typeof ScenarioSchema>;
/** A parsed scenario with every default filled in. */
export type ResolvedScenario = z.output<typeof ScenarioSchema>;
export type BatchFault = z.output<typeof BatchFaultSchema>;
export type CreateFault = z.output<typeof CreateFaultSchema>;
export type EndpointFault = z.output<typeof EndpointFaultSchema>;
export type Provider = z.infer<typeof providerSchema>;
