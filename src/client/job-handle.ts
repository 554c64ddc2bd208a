import type { Readable } from 'node:stream';
import { CancelledFailure, WorkflowFailedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { BAD_INPUT_FAILURES, FailureType } from '../contracts/failure-types';
import { readStoredReport } from '../report/stored-report';
import type { BlobStore } from '../storage/blob-store';
import { jobLayout } from '../storage/job-layout';
import { readLineBatches } from '../dataset/line-reader';
import type { JobReport } from '../report/job-report';
import type { ResultLine } from '../results/result-line';
import type { JobSpecChanges } from '../spec/resolve-spec';
import {
  cancelJobSignal,
  pauseJobSignal,
  progressQuery,
  resumeJobSignal,
  shardProgressQuery,
  type JobProgress,
  type ReprocessResult,
  type ShardProgress,
} from '../../workflows/definitions';
import { jobWorkflowId } from '../../workflows/internal/workflow-ids';
import type { batchJobWorkflow } from '../../workflows/job';
import { JobNotFoundError, ReprocessRejectedError } from './client-errors';
import { innermostFailure } from './failure-cause';
import { resultCsvLines } from './result-csv';

/** Failure types that blame the reprocess request itself (see activities/failures.ts). */
const BAD_INPUT = new Set<string>(BAD_INPUT_FAILURES);

/** What a refused reprocess adds to its reason: nothing of the job was lost. */
export const KEPT = " (the job's results so far are kept: reprocess again once this is fixed)";

export interface ReprocessOptions {
  /** Only items that ended failed or cancelled (the default), or every item. */
  failedOnly?: boolean;
  all?: boolean;
  /** Spec changes for the new generation (prompt, model, params, outputSchema, mode, ...). */
  changes?: JobSpecChanges;
}

/** Progress with live counts from the shards' provider batches. */
export interface DetailedProgress extends JobProgress {
  shardDetails: ShardProgress[];
}

/**
 * A job, by id: watch it, steer it, read its results. Works for jobs started by any process.
 * Methods throw JobNotFoundError for an unknown job id.
 */
export class JobHandle {
  readonly workflowId: string;

  constructor(
    readonly jobId: string,
    private readonly client: Client,
    private readonly startReprocess: (jobId: string, selection: 'failed' | 'all', changes?: JobSpecChanges) => Promise<ReprocessResult>,
    /** Where the job's report is kept (read when the workflow ended cancelled through Temporal, with no result). */
    private readonly blobs: BlobStore,
    /** The Temporal Web UI page of this job, when the UI address is known. */
    readonly uiUrl?: string,
  ) {
    this.workflowId = jobWorkflowId(jobId);
  }

  private handle(): WorkflowHandle<typeof batchJobWorkflow> {
    return this.client.workflow.getHandle(this.workflowId);
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new JobNotFoundError(this.jobId);
      throw err;
    }
  }

  /** Counts by state, shards by phase, tokens, cost and ETA (a query: no history grows). */
  progress(): Promise<JobProgress> {
    return this.guard(() => this.handle().query(progressQuery));
  }

  /** progress() plus each running shard's live batch status. */
  async detailedProgress(): Promise<DetailedProgress> {
    const progress = await this.progress();
    const shardDetails = await Promise.all(
      progress.runningShards.map((id) => this.client.workflow.getHandle(id).query(shardProgressQuery).catch(() => undefined)),
    );
    return { ...progress, shardDetails: shardDetails.filter((s): s is ShardProgress => s !== undefined) };
  }

  /** Cancels the job: provider batches are cancelled, finished results kept, the job finalized as cancelled. */
  cancel(reason?: string): Promise<void> {
    return this.guard(() => this.handle().signal(cancelJobSignal, reason ? { reason } : {}));
  }

  /** Stops launching shards; batches already at the provider go on. */
  pause(): Promise<void> {
    return this.guard(() => this.handle().signal(pauseJobSignal));
  }

  resume(): Promise<void> {
    return this.guard(() => this.handle().signal(resumeJobSignal));
  }

  /**
   * Runs the finished job again as a new generation: only failed items (default) or all, optionally with
   * spec changes. Unchanged requests reuse cached answers. Resolves once the generation's items are
   * queued, with how many; await `result()` for the new report.
   */
  async reprocess(options: ReprocessOptions = {}): Promise<ReprocessResult> {
    try {
      return await this.startReprocess(this.jobId, options.all ? 'all' : 'failed', options.changes);
    } catch (err) {
      throw await this.reprocessFailure(err);
    }
  }

  /**
   * When the run started for a reprocess failed (the worker found the changes invalid, say), the update only
   * learns that the workflow completed before it: the real cause is in the run's failure.
   */
  private async reprocessFailure(err: unknown): Promise<unknown> {
    if (!(err instanceof ReprocessRejectedError)) return err;
    const status = await this.describe().then((d) => d.status.name, () => undefined);
    if (status !== 'FAILED') return err;
    const failure = await this.handle().result().then(() => undefined, (failed: unknown) => innermostFailure(failed));
    if (!failure) return err;
    const badInput = failure.type !== undefined && BAD_INPUT.has(failure.type);
    // a job that never finished a generation has no results to keep
    const kept = failure.type === FailureType.jobNotFound ? '' : KEPT;
    return new ReprocessRejectedError(this.jobId, `${failure.message}${kept}`, badInput);
  }

  /**
   * The report the job's latest finalize wrote, from storage, whatever Temporal's state of the job (a
   * reprocess run that failed leaves the previous generation's report in place).
   * @returns undefined when the job never finalized.
   */
  storedReport(): Promise<JobReport | undefined> {
    return readStoredReport(this.blobs, this.jobId);
  }

  /**
   * Waits for the job to end and returns its report. A job cancelled through Temporal (the UI's button,
   * `temporal workflow cancel`) ends cancelled with no workflow result: its report is read from storage.
   */
  async result(): Promise<JobReport> {
    try {
      return await this.guard(() => this.handle().result());
    } catch (err) {
      if (!(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure)) throw err;
      const stored = await readStoredReport(this.blobs, this.jobId);
      if (!stored) throw err;
      return stored;
    }
  }

  /** Temporal's view: running, completed, cancelled, failed... */
  async describe() {
    return this.guard(() => this.handle().describe());
  }

  /**
   * The outcome of every item, in input order, once the job has ended: its results file, read from the blob
   * store (from any machine that reaches it). @throws Error when the job wrote its results as CSV (use
   * resultsFile()).
   */
  async *results(): AsyncGenerator<ResultLine> {
    const report = await this.result();
    if (resultsFormat(report) !== 'jsonl') throw new Error(`job ${this.jobId} wrote its results as CSV: read them with resultsFile()`);
    for await (const batch of readLineBatches(this.resultsFile(report))) {
      for (const line of batch.lines) if (line) yield JSON.parse(line) as ResultLine;
    }
  }

  /**
   * `results()` as CSV text lines without line ends: the header (RESULT_CSV_COLUMNS), then one row per item in
   * input order. @throws Error, as results(), when the job wrote its results as CSV (use resultsFile()).
   */
  resultsCsv(): AsyncGenerator<string> {
    return resultCsvLines(this.results());
  }

  /** The results file of an ended job as it was written (JSONL, or CSV with a header), streamed from the blob store. */
  resultsFile(report: JobReport): Readable {
    return this.blobs.read(jobLayout.results(this.jobId, resultsFormat(report)));
  }
}


/** The format a job wrote its results in (its results file's extension). */
function resultsFormat(report: JobReport): 'jsonl' | 'csv' {
  return report.files.results.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl';
}
