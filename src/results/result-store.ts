import type { ResolvedJobSpec } from '../spec/job-spec';
import type { ItemOutcome, ItemState, StoredOutcome } from './item-outcome';
import type { JobRows } from './job-rows';
import type { SubmitRecords } from './submit-records';

export type { BatchRecord, CreateLease, StrayBatch } from './submit-records';
export type { JobRows } from './job-rows';

/** Items, tokens and cost of one model on one tier. */
export interface ModelTierCounts {
  /** The model that produced the items; null for rows stored before it was recorded (read them as the job's model). */
  model: string | null;
  tier: string;
  items: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

/** What a job's items add up to so far. */
export interface OutcomeCounts {
  byState: Record<ItemState, number>;
  /** failed and failed_retryable items by reason. */
  byReason: Record<string, number>;
  /** By tier: items, tokens and cost. */
  byTier: Record<string, { items: number; tokensIn: number; tokensOut: number; costUsd: number }>;
  /** By the model and tier that produced the items (a reprocess with another model leaves several). */
  byModelTier: ModelTierCounts[];
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

/** The part of an outcome a tally needs. */
export interface AttemptOutcome {
  seq: number;
  state: ItemState;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

/** A cached answer for a request key (same task version, same rendered request). */
export interface CachedAnswer {
  requestKey: string;
  output: unknown;
}

/** Which bytes a job's dataset was: later generations must read the same ones (their items are matched by position). */
export interface DatasetIdentity {
  bytes: number;
  /** SHA-256 of the file's bytes, hex. */
  sha256: string;
}

/** What the store knows about a job across its generations. */
export interface JobRecord {
  jobId: string;
  generation: number;
  /** Items in the dataset; -1 until the generation's prepare has read it. */
  total: number;
  /** The spec of the latest generation. */
  spec: ResolvedJobSpec;
  /** The dataset as generation 0 read it (absent for jobs recorded before identities were kept); kept when an upsert leaves it out. */
  dataset?: DatasetIdentity;
}

/**
 * Item outcomes, the answer cache, job records and the records of exactly-once submission (submit-records.ts). The embedded default is SQLite; a cluster uses a
 * server database behind the same interface. Upserts are idempotent: writing the same outcomes twice
 * changes nothing, and an outcome never replaces one from a later attempt. Within one attempt an outcome
 * replaces only a retryable one, except `conflicting_results`, which replaces any outcome of its attempt and
 * is replaced by none of it.
 */
export interface ResultStore extends SubmitRecords {
  /**
   * Stores outcomes of one task version. `model` is the model that produced them (kept per item, so a report
   * prices each item at its own model after a reprocess with another); without it the row's model is null.
   */
  upsertOutcomes(jobId: string, taskVersion: string, outcomes: readonly ItemOutcome[], model?: string): Promise<void>;
  /** True when any indexed answer exists for this task version (prepare skips cache lookups otherwise). */
  hasAnswersFor(taskVersion: string): Promise<boolean>;
  /** Answers by request key, from jobs whose answers were indexed (see indexAnswers). */
  findCached(requestKeys: readonly string[]): Promise<Map<string, CachedAnswer>>;
  /**
   * Makes a job's succeeded answers reusable by request key. Run once per generation at finalize, in one
   * sorted pass: far cheaper than indexing each item as it is stored.
   */
  indexAnswers(jobId: string): Promise<void>;
  counts(jobId: string): Promise<OutcomeCounts>;
  /** Sequence numbers of items in the given states, ascending. */
  seqsInStates(jobId: string, states: readonly ItemState[]): Promise<number[]>;
  /** Items a round left retryable, with their reason and last message (for repair hints). */
  retryable(jobId: string, generation: number, round: number): Promise<Array<{ seq: number; reason: string; message: string | null }>>;
  /**
   * Outcomes from exactly this attempt for seqs in [fromSeq, toSeq] (resuming a sync shard: what is settled,
   * and the shard's tally). Seqs of other shards in the range come back too: filter by your own.
   */
  outcomesAt(jobId: string, generation: number, round: number, fromSeq: number, toSeq: number): Promise<AttemptOutcome[]>;
  /**
   * Turns every failed_retryable item of the job into failed, prefixing its message with `note`
   * ("retries exhausted", "not retried: the job was cancelled"); returns how many.
   */
  closeRetryable(jobId: string, note: string): Promise<number>;
  /** Outcomes in seq order. */
  iterate(jobId: string): AsyncIterable<ItemOutcome>;
  /** The same with each output left as its stored JSON text (results files splice it in as it is). */
  iterateStored(jobId: string): AsyncIterable<StoredOutcome>;
  /** How many items of the job have an outcome, the highest seq among them (-1 when none), how many failed. */
  coverage(jobId: string): Promise<{ items: number; maxSeq: number; failed: number }>;
  /** Exact duplicate item keys in a job (a warning in the report). */
  duplicateKeys(jobId: string): Promise<number>;

  upsertJob(job: JobRecord): Promise<void>;
  getJob(jobId: string): Promise<JobRecord | undefined>;
  /**
   * Every job with a record, sorted by id, with when its record was last written (epoch ms, by the store's
   * clock; null for records written before it was kept): a job's last sign of life once Temporal forgot it.
   */
  listJobs(): Promise<Array<{ jobId: string; updatedAtMs: number | null }>>;
  /** How many rows the store keeps for a job, per table: what deleteJob would remove. */
  jobRows(jobId: string): Promise<JobRows>;
  /**
   * Deletes every row of a job in one transaction: its outcomes and the answers indexed from them, its batch
   * records, strays and create leases, its job record. Returns how many per table; idempotent. Only for a job
   * nothing runs for any more.
   */
  deleteJob(jobId: string): Promise<JobRows>;
  close(): Promise<void>;
}
