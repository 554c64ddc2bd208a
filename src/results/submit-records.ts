/**
 * The durable records behind exactly-once batch submission (src/providers/exactly-once-submit.ts): one record per
 * shard attempt with a fencing claim, the batches found besides the recorded one (strays), and, for providers
 * whose batches carry no tag, each account's one create whose outcome may be unknown (the create lease).
 * Every write is a compare-and-set, so workers on any number of machines agree through the store alone.
 */

/** The claim of a record whose shard stopped waiting for a batch: no attempt may create or record any more. */
export const CLOSED_CLAIM = -1;

/** The durable record of the provider batch for one shard attempt: the exactly-once anchor. */
export interface BatchRecord {
  shardAttemptId: string;
  provider: string;
  /** When the first create was about to be sent (reconciliation lists batches from here). */
  intentAtMs: number;
  batchId: string | null;
  /**
   * The fencing token of the latest submit attempt to claim this record (1, 2, ...), or CLOSED_CLAIM. Only
   * the attempt holding the current claim may create and record a batch; an attempt whose claim was taken
   * over (a paused worker, a timed-out attempt still running) stops, and cancels what it created anyway.
   */
  claim: number;
  /** The input the claim's attempt uploaded for its create (an OpenAI file id), kept to delete it if unused. */
  inputRef: string | null;
}

/**
 * A batch created for a shard attempt that is not the attempt's recorded batch (a stale attempt's create, an
 * extra batch found by its tag): cancelled when found, its input deleted, and counted in the job's report.
 */
export interface StrayBatch {
  batchId: string;
  shardAttemptId: string;
  jobId: string;
  provider: string;
  /** The provider account it was created on (undefined: the provider's default account). */
  account?: string;
  /** Requests it was created with (what it could have billed). */
  requests: number;
  foundAtMs: number;
}

/**
 * A provider account's one create whose outcome may be unknown, for providers whose batches carry no tag
 * (Anthropic): held from before the create is sent until its batch is recorded or the create was refused.
 * While it is held, no other shard creates on the account, so a lost create response leaves at most one
 * batch that nobody recorded: reconciliation has one candidate, never a guess among several.
 */
export interface CreateLease {
  /** `<provider>/<account>`. */
  account: string;
  shardAttemptId: string;
  /** The claim of the holder's attempt that holds it now. */
  claim: number;
  /** Requests of the holder's batch (what reconciliation matches). */
  requests: number;
  /** When the first create under it was about to be sent: the batch, if any, was created after this. */
  sinceMs: number;
  /** When an attempt of the holder last took it. */
  touchedMs: number;
}

export interface SubmitRecords {
  getBatchRecord(shardAttemptId: string): Promise<BatchRecord | undefined>;
  /**
   * Starts a submit attempt: creates the record (intent at `atMs`) or takes its claim over from earlier
   * attempts, and returns the record and this attempt's claim. A closed record comes back unchanged (its claim
   * is CLOSED_CLAIM), and so does one with a batch recorded.
   */
  claimSubmit(shardAttemptId: string, provider: string, atMs: number): Promise<{ record: BatchRecord; claim: number }>;
  /** Records the input `claim`'s attempt uploaded; false (nothing written) when that claim is no longer current. */
  recordBatchInput(shardAttemptId: string, claim: number, inputRef: string): Promise<boolean>;
  /**
   * Records the batch when `claim` is still current and no batch is recorded yet. Returns the batch id recorded
   * afterwards: `batchId` when this call won, another attempt's batch (or null) when it lost.
   */
  recordBatchCreated(shardAttemptId: string, batchId: string, claim: number): Promise<string | null>;
  /** Closes the record (claim CLOSED_CLAIM, creating it if missing) and returns it as closed, batch id included. */
  closeSubmit(shardAttemptId: string, provider: string, atMs: number): Promise<BatchRecord>;
  /** Batch ids recorded for any shard attempt of a provider since a time, strays included (never a candidate). */
  recordedBatchIds(provider: string, sinceMs: number): Promise<string[]>;

  /** Records a stray batch once (idempotent by batch id). */
  recordStray(stray: StrayBatch): Promise<void>;
  /** The job's stray batches, oldest first. */
  strays(jobId: string): Promise<StrayBatch[]>;

  /**
   * Takes the account's create lease for `holder`: when it is free, or already the holder's at an earlier or
   * equal claim (then `sinceMs` stays, since an earlier create may be in doubt). Returns the lease as it stands
   * afterwards: the holder's when taken, else whoever holds it.
   */
  takeCreateLease(holder: Omit<CreateLease, 'sinceMs' | 'touchedMs'>, atMs: number): Promise<CreateLease>;
  /** Frees the account's lease if `shardAttemptId` holds it at exactly `claim`. */
  releaseCreateLease(account: string, shardAttemptId: string, claim: number): Promise<void>;
  /** The lease a shard attempt holds on any account, if any. */
  createLeaseOf(shardAttemptId: string): Promise<CreateLease | undefined>;
}
