import { anthropicProgressCounts } from './anthropic/batch-object';
import type { EmulatorContext } from './emulator-context';
import type { Provider } from './scenario';
import type { CreateOutcome, SubmissionCount } from './state';

/** One batch as inspection shows it (timestamps in wall-clock unix seconds, as the API reports them). */
export interface InspectedBatch {
  id: string;
  /** OpenAI `status`, or Anthropic `processing_status`. */
  status: string;
  model: string | null;
  /** OpenAI endpoint; Anthropic: `/v1/messages`. */
  endpoint: string;
  /** OpenAI metadata (Anthropic batches have none). */
  metadata: Record<string, string> | null;
  /**
   * What the batch has done so far. For Anthropic this is the emulator's own view: requests leave `processing`
   * as they are answered, where the API reports them all as `processing` until the batch has ended.
   */
  request_counts: Record<string, number>;
  created_at: number;
  deleted?: boolean;
}

/**
 * Everything a test needs to prove exactly-once submission: every batch ever created, every create attempt
 * with its outcome, how often each custom_id was submitted (and in which batches), and synchronous calls.
 */
export interface Inspection {
  /** The wall clock (unix seconds: the clock of every timestamp and `Date` header) and the clock speed. */
  clock: { now: number; speed: number };
  batches: Record<Provider, InspectedBatch[]>;
  createAttempts: {
    provider: Provider;
    /** Wall-clock unix seconds. */
    at: number;
    outcome: CreateOutcome;
    batchId: string | null;
    httpStatus: number;
    metadata: Record<string, string> | null;
    model: string | null;
    message?: string;
  }[];
  submissions: {
    /** custom_id -> times submitted in batches that ran, and those batches' ids. */
    byCustomId: Record<Provider, Record<string, SubmissionCount>>;
    /** batch id -> number of requests it submitted. */
    byBatch: Record<string, number>;
    /**
     * custom_ids submitted more than once by one job, per provider: scoped by the batches' `longhaul_job` metadata
     * (OpenAI), so jobs that share the emulator and reuse custom_ids do not read as duplicates. Anthropic batches
     * carry no metadata: there every reuse of a custom_id counts.
     */
    duplicates: Record<Provider, string[]>;
  };
  /** Synchronous calls per provider, endpoint, model and service tier. */
  syncRequests: { provider: Provider; endpoint: string; model: string; serviceTier: string; count: number }[];
}

/** Builds the inspection view of the current state (a copy; safe to keep). */
export function inspect(emu: EmulatorContext): Inspection {
  const { state } = emu.store;
  const seconds = (ms: number | undefined) => emu.clock.wallSecondsAt(ms ?? 0) as number;
  const openai: InspectedBatch[] = Object.values(state.openaiBatches).map((b) => ({
    id: b.id,
    status: b.status,
    model: b.model,
    endpoint: b.endpoint,
    metadata: b.metadata ? { ...b.metadata } : null,
    request_counts: { total: b.progress.total, completed: b.progress.succeeded, failed: b.progress.failed },
    created_at: seconds(b.times.created),
  }));
  const anthropic: InspectedBatch[] = Object.values(state.anthropicBatches).map((b) => ({
    id: b.id,
    status: b.processing_status,
    model: b.models.length === 1 ? (b.models[0] as string) : b.models.length ? b.models.join(',') : null,
    endpoint: '/v1/messages',
    metadata: null,
    request_counts: anthropicProgressCounts(b),
    created_at: seconds(b.times.created),
    deleted: b.deleted,
  }));
  const byBatch: Record<string, number> = {};
  const duplicates: Record<Provider, string[]> = { openai: [], anthropic: [] };
  // a duplicate is a custom_id submitted twice by one job: jobs sharing the emulator reuse custom_ids
  const jobOf = (batchId: string) => state.openaiBatches[batchId]?.metadata?.longhaul_job ?? '';
  for (const provider of ['openai', 'anthropic'] as const) {
    for (const [customId, entry] of Object.entries(state.submissions[provider])) {
      const jobs = entry.batches.map(jobOf);
      if (new Set(jobs).size < jobs.length) duplicates[provider].push(customId);
      for (const id of entry.batches) byBatch[id] = (byBatch[id] ?? 0) + 1;
    }
  }
  return structuredClone({
    clock: { now: emu.clock.nowSeconds(), speed: emu.clock.speed },
    batches: { openai, anthropic },
    createAttempts: state.createAttempts.map(({ atMs, ...rest }) => ({ ...rest, at: seconds(atMs) })),
    submissions: { byCustomId: state.submissions, byBatch, duplicates },
    syncRequests: Object.entries(state.syncRequests).map(([key, count]) => {
      const [provider, endpoint, model, serviceTier] = key.split(' ') as [Provider, string, string, string];
      return { provider, endpoint, model, serviceTier, count };
    }),
  });
}
