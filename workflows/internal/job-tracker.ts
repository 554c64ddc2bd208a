import type { ChildWorkflowHandle } from '@temporalio/workflow';
import type { PrepareResult } from '../../src/dataset/prepare-job';
import type { JobReport, PhaseTimings, ResultLineCounts, ShardTiming } from '../../src/report/job-report';
import type { ShardTally } from '../../src/contracts/shard-tally';
import type { JobProgress, JobStatus, ReprocessRequest, ReprocessResult } from '../definitions';
import type { shardWorkflow } from '../shard';

/** The reprocess update and the run that answers it: what was asked, and the answer or the refusal. */
export interface ReprocessExchange {
  /** The update is taken only by a run started for it, before it has begun. */
  accepting: boolean;
  request?: ReprocessRequest;
  result?: ReprocessResult;
  refused?: { message: string; type: string };
}

interface Snapshot {
  status: JobStatus;
  generation: number;
  round: number;
  total: number;
  items: JobProgress['items'];
  shards: Omit<JobProgress['shards'], 'running'>;
  tokens: JobProgress['tokens'];
  costUsd: number;
  startedAt: string;
  settledAtStart: number;
  runningSince?: number;
  paused: boolean;
  cancelRequested: boolean;
  cancelReason?: string;
  shardTimings: ShardTiming[];
  /** The current round's tier. */
  tier?: string;
  /** Result lines collect read around (absent in runs carried from before these were counted). */
  resultLines?: ResultLineCounts;
}
/**
 * The job's one mutable state: its counts as the workflow knows them (from prepare results and shard tallies),
 * what the progress query answers and continue-as-new carries, the time spent per phase, the running shards'
 * handles (for the cancel) and the reprocess exchange. The job's steps (workflows/internal/job-*.ts) change it
 * through its methods only. Bookkeeping, no commands.
 */
export class JobTracker {
  private s: Snapshot;
  /** Running shard workflows by id (the handle is absent only where a caller does not signal them: tests). */
  private readonly running = new Map<string, ChildWorkflowHandle<typeof shardWorkflow> | undefined>();
  /** Running shards whose batch is overdue (not carried: a run continues as new only with no shard running). */
  private readonly overdue = new Set<string>();
  private report?: JobReport;
  /** Time per phase (prepare, batches, rounds, fallback), carried across continue-as-new beside the snapshot. */
  readonly timings: PhaseTimings;
  readonly reprocess: ReprocessExchange;

  constructor(
    private readonly jobId: string,
    carried?: Snapshot,
    /** Called after every change (the job keeps its Temporal UI details current from here). */
    private readonly onChange?: (tracker: JobTracker) => void,
    more: { timings?: PhaseTimings; acceptsReprocess?: boolean } = {},
  ) {
    this.timings = { ...more.timings };
    this.reprocess = { accepting: more.acceptsReprocess ?? false };
    this.s = carried ?? {
      status: 'preparing',
      generation: 0,
      round: 0,
      total: 0,
      items: { succeeded: 0, failed: 0, cancelled: 0, cached: 0, retrying: 0, pending: 0 },
      shards: { total: 0, queued: 0, done: 0 },
      tokens: { in: 0, out: 0, estimatedQueued: 0 },
      costUsd: 0,
      startedAt: new Date(Date.now()).toISOString(),
      settledAtStart: 0,
      paused: false,
      cancelRequested: false,
      shardTimings: [],
    };
  }

  get status(): JobStatus {
    return this.s.status;
  }
  get paused(): boolean {
    return this.s.paused;
  }
  get cancelRequested(): boolean {
    return this.s.cancelRequested;
  }
  /** Why the job was cancelled, as the cancel request said (undefined: no cancel, or none given). */
  get cancelReason(): string | undefined {
    return this.s.cancelReason;
  }
  get startedAt(): string {
    return this.s.startedAt;
  }
  get round(): number {
    return this.s.round;
  }
  get shardsTotal(): number {
    return this.s.shards.total;
  }
  get shardTimings(): ShardTiming[] {
    return this.s.shardTimings;
  }
  get resultLines(): ResultLineCounts {
    return { ...(this.s.resultLines ?? { malformed: 0, duplicate: 0, conflicting: 0, foreign: 0 }) };
  }

  /** Keeps the first 1,000 shard timings of each round: enough to chart, bounded in size. */
  shardTimed(timing: ShardTiming): void {
    if (timing.index < 1000) this.s.shardTimings.push(timing);
    this.onChange?.(this);
  }

  snapshot(): Snapshot {
    return { ...this.s };
  }

  setPaused(paused: boolean): void {
    this.s.paused = paused;
    if (this.s.status === 'running' || this.s.status === 'paused') this.s.status = paused ? 'paused' : 'running';
    this.onChange?.(this);
  }

  requestCancel(reason?: string): void {
    if (this.s.cancelRequested || isEnded(this.s.status)) return;
    this.s.cancelRequested = true;
    if (reason) this.s.cancelReason = reason;
    this.s.status = 'cancelling';
    this.onChange?.(this);
  }

  begin(generation: { generation: number }): void {
    this.s.generation = generation.generation;
    this.s.status = this.s.cancelRequested ? 'cancelling' : 'preparing';
    this.onChange?.(this);
  }

  prepared(result: PrepareResult): void {
    // a reprocess starts its counts afresh: items it leaves as they were count as done (their earlier
    // outcomes, kept as succeeded here; the report reads the exact states from the store), the re-queued
    // ones as pending, not also as the failed they were
    if (this.s.generation > 0) this.s.items = { succeeded: result.untouched, failed: 0, cancelled: 0, cached: 0, retrying: 0, pending: 0 };
    const { items } = this.s;
    this.s.total = result.total;
    items.failed += result.badRows;
    items.cached += result.cached;
    this.s.settledAtStart = result.untouched + result.badRows + result.cached;
    items.pending = result.queued;
    this.s.tokens.estimatedQueued = 0;
    if (!this.s.cancelRequested) this.s.status = this.s.paused ? 'paused' : 'running';
    this.s.runningSince = Date.now();
    this.onChange?.(this);
  }

  roundStarted(round: number, shards: number, tier: string = 'batch'): void {
    this.s.round = round;
    this.s.tier = tier;
    this.s.shards.total += shards;
    this.s.shards.queued += shards;
    this.onChange?.(this);
  }

  roundPlanned(round: number, queued: number, _shards: number): void {
    this.s.round = round;
    this.s.items.retrying -= queued;
    this.onChange?.(this);
  }

  shardStarted(estTokens: number): void {
    this.s.shards.queued--;
    this.s.tokens.estimatedQueued += estTokens;
    this.onChange?.(this);
  }

  /** Adds the time a phase took. */
  timed(phase: keyof PhaseTimings, ms: number): void {
    this.timings[phase] = (this.timings[phase] ?? 0) + ms;
  }

  /** Shard workflows running now. */
  get runningShards(): number {
    return this.running.size;
  }

  /** Their handles, to tell them of a cancel. */
  runningHandles(): Array<ChildWorkflowHandle<typeof shardWorkflow>> {
    return [...this.running.values()].filter((h): h is ChildWorkflowHandle<typeof shardWorkflow> => h !== undefined);
  }

  shardRunning(workflowId: string, handle?: ChildWorkflowHandle<typeof shardWorkflow>): void {
    this.running.set(workflowId, handle);
    this.onChange?.(this);
  }

  shardStopped(workflowId: string): void {
    this.running.delete(workflowId);
    this.overdue.delete(workflowId);
    this.onChange?.(this);
  }

  /** A running shard's batch is past its provider's expiry: the ETA stops promising a time until it ends. */
  shardOverdue(workflowId: string): void {
    if (this.running.has(workflowId)) this.overdue.add(workflowId);
    this.onChange?.(this);
  }

  shardDone(tally: ShardTally, estTokens: number): void {
    const { items } = this.s;
    this.s.shards.done++;
    this.s.tokens.estimatedQueued -= estTokens;
    items.succeeded += tally.succeeded;
    items.failed += tally.failed;
    items.cancelled += tally.cancelled;
    items.retrying += tally.retryable;
    items.pending = Math.max(0, items.pending - (tally.succeeded + tally.failed + tally.cancelled));
    this.s.tokens.in += tally.tokensIn;
    this.s.tokens.out += tally.tokensOut;
    this.s.costUsd += tally.costUsd;
    const lines = (this.s.resultLines ??= { malformed: 0, duplicate: 0, conflicting: 0, foreign: 0 });
    lines.malformed += tally.malformedLines ?? 0;
    lines.duplicate += tally.duplicateLines ?? 0;
    lines.conflicting += tally.conflictingResults ?? 0;
    lines.foreign += tally.foreignLines ?? 0;
    this.onChange?.(this);
  }

  finalizing(): void {
    this.s.status = 'finalizing';
    this.onChange?.(this);
  }

  finished(report: JobReport): void {
    this.report = report;
    this.s.status = report.status;
    const { counts } = report;
    this.s.items = { ...counts, retrying: 0, pending: 0 };
    this.s.tokens = { in: report.tokens.in, out: report.tokens.out, estimatedQueued: 0 };
    this.s.costUsd = report.cost.paidUsd;
    this.onChange?.(this);
  }

  progress(): JobProgress {
    const { s } = this;
    return {
      jobId: this.jobId,
      status: s.status,
      generation: s.generation,
      round: s.round,
      tier: s.tier ?? 'batch',
      total: s.total,
      items: { ...s.items },
      shards: { ...s.shards, running: this.running.size },
      runningShards: [...this.running.keys()],
      tokens: { ...s.tokens },
      costUsd: s.costUsd,
      startedAt: s.startedAt,
      paused: s.paused,
      ...(this.overdue.size > 0 ? { overdueShards: this.overdue.size } : this.eta()),
      ...(this.report ? { report: this.report } : {}),
    };
  }

  private eta(): { etaSeconds?: number } {
    const { items, runningSince } = this.s;
    if (runningSince === undefined || items.pending === 0) return {};
    const settled = items.succeeded + items.failed + items.cancelled + items.cached - this.s.settledAtStart;
    const elapsed = (Date.now() - runningSince) / 1000;
    if (settled <= 0 || elapsed <= 0) return {};
    return { etaSeconds: Math.round(items.pending / (settled / elapsed)) };
  }
}

function isEnded(status: JobStatus): boolean {
  return status === 'completed' || status === 'cancelled' || status === 'failed';
}
