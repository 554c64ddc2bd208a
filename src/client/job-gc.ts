import { BLOB_PATH_PREFIX } from '../dataset/dataset-reader';
import { totalRows, type JobRows } from '../results/job-rows';
import type { ResultStore } from '../results/result-store';
import type { BlobEntry, BlobStore } from '../storage/blob-store';
import { jobLayout } from '../storage/job-layout';

/** Temporal's view of a job's workflow (its latest run). */
export interface JobWorkflowState {
  /** RUNNING, COMPLETED, CANCELLED, FAILED, TERMINATED, TIMED_OUT... */
  status: string;
  closedAt?: Date;
}

/** What retention reads and deletes through: both stores, and Temporal for what still runs. */
export interface GcDeps {
  blobs: BlobStore;
  store: ResultStore;
  /** The job's workflow as Temporal sees it now; undefined when Temporal no longer has it (its retention passed). */
  workflowOf(jobId: string): Promise<JobWorkflowState | undefined>;
  /**
   * Dataset paths (`blob:datasets/...`) that running jobs read: kept whatever their age. `unknown` when a running
   * job's dataset cannot be told (its memo is encrypted with a key this process lacks and it has no record yet):
   * then no dataset is removed.
   */
  runningDatasets(): Promise<Set<string> | 'unknown'>;
  now(): Date;
}

/** A job retention would remove: when it ended (and how that is known), its blobs and rows. */
export interface GcJob {
  jobId: string;
  /** When it ended: its workflow's close time, or its last write once Temporal no longer has it. */
  endedAt: Date;
  /** Temporal's close status (lower case), or `gone from Temporal` when its history was already removed. */
  status: string;
  blobs: number;
  bytes: number;
  rows: JobRows;
}

export interface GcPlan {
  /** Jobs that ended before this are removed. */
  cutoff: Date;
  jobs: GcJob[];
  /** Jobs left alone, and why (still running, started again since the plan, an end nothing can date). */
  skipped: Array<{ jobId: string; reason: string }>;
  /** Uploaded datasets (`datasets/...`) only removed jobs read: removed with them. */
  datasets: BlobEntry[];
}

/** What a run removed. */
export interface GcTotals {
  jobs: number;
  blobs: number;
  bytes: number;
  rows: number;
}

/** A job's blobs as one listing of `jobs/` shows them. */
interface JobBlobs {
  blobs: number;
  bytes: number;
  newestMs: number;
}

/**
 * Finds the jobs that ended more than `olderThanMs` ago: every job the result store or the blob store knows.
 * A job written to after the cutoff (a file, or its record) cannot have ended before it, so only older ones are
 * asked about; Temporal says whether each still runs (skipped, with the reason) and when it closed. A job
 * Temporal no longer has ended at its last write. Reads only.
 */
export async function planGc(olderThanMs: number, deps: GcDeps): Promise<GcPlan> {
  const cutoff = new Date(deps.now().getTime() - olderThanMs);
  const files = blobsByJob(await deps.blobs.entries('jobs/'));
  const records = new Map((await deps.store.listJobs()).map((job) => [job.jobId, job.updatedAtMs]));
  const jobIds = [...new Set([...records.keys(), ...files.keys()])].sort();
  const plan: GcPlan = { cutoff, jobs: [], skipped: [], datasets: [] };
  for (const jobId of jobIds) {
    const own = files.get(jobId) ?? { blobs: 0, bytes: 0, newestMs: 0 };
    const recordMs = records.get(jobId) ?? null;
    const dated = own.blobs > 0 || recordMs !== null;
    const lastWriteMs = Math.max(own.blobs > 0 ? own.newestMs : 0, recordMs ?? 0);
    if (dated && lastWriteMs >= cutoff.getTime()) continue; // written to since the cutoff
    const workflow = await deps.workflowOf(jobId);
    if (workflow?.status === 'RUNNING') {
      plan.skipped.push({ jobId, reason: 'still running: a running job is never removed' });
      continue;
    }
    if (!workflow?.closedAt && !dated) {
      plan.skipped.push({ jobId, reason: 'its end is unknown: Temporal no longer has it, and it has no files or dated record' });
      continue;
    }
    const endedAt = workflow?.closedAt ?? new Date(lastWriteMs);
    if (endedAt.getTime() >= cutoff.getTime()) continue;
    const status = workflow ? workflow.status.toLowerCase().replace(/_/g, ' ') : 'gone from Temporal: its last write';
    plan.jobs.push({ jobId, endedAt, status, blobs: own.blobs, bytes: own.bytes, rows: await deps.store.jobRows(jobId) });
  }
  plan.datasets = await orphanedDatasets(plan, jobIds, deps);
  return plan;
}

/**
 * Deletes what the plan lists, job by job: its blobs, then its rows (the job record last, so a run cut short
 * leaves the job findable for the next one). Asks Temporal once more right before each job: one started again
 * since the plan (a reprocess) is skipped. Then the datasets only removed jobs read.
 */
export async function applyGc(plan: GcPlan, deps: GcDeps, onJob?: (job: GcJob, removed: boolean) => void): Promise<GcTotals> {
  const totals: GcTotals = { jobs: 0, blobs: 0, bytes: 0, rows: 0 };
  let kept = 0;
  for (const job of plan.jobs) {
    if ((await deps.workflowOf(job.jobId))?.status === 'RUNNING') {
      plan.skipped.push({ jobId: job.jobId, reason: 'started again since it was listed: left as it is' });
      kept++;
      onJob?.(job, false);
      continue;
    }
    totals.blobs += await deps.blobs.deletePrefix(jobLayout.jobPrefix(job.jobId));
    totals.bytes += job.bytes;
    totals.rows += totalRows(await deps.store.deleteJob(job.jobId));
    totals.jobs++;
    onJob?.(job, true);
  }
  // a job kept at the last moment may read a dataset the plan meant to remove: keep them all this time
  if (kept === 0) {
    for (const dataset of plan.datasets) {
      await deps.blobs.delete(dataset.key);
      totals.blobs++;
      totals.bytes += dataset.bytes;
    }
  }
  return totals;
}

/** A job's blob count, bytes and newest write, from one listing of every key under `jobs/`. */
function blobsByJob(entries: readonly BlobEntry[]): Map<string, JobBlobs> {
  const byJob = new Map<string, JobBlobs>();
  for (const entry of entries) {
    const jobId = entry.key.split('/')[1];
    if (!jobId) continue;
    const own = byJob.get(jobId) ?? { blobs: 0, bytes: 0, newestMs: 0 };
    own.blobs++;
    own.bytes += entry.bytes;
    own.newestMs = Math.max(own.newestMs, entry.modifiedMs);
    byJob.set(jobId, own);
  }
  return byJob;
}

/** A job's result-store rows, all kinds together. */
export function gcJobRows(job: GcJob): number {
  return totalRows(job.rows);
}

/** What the plan would remove in all: its jobs, their blobs and the orphaned datasets, bytes and rows. */
export function gcPlanTotals(plan: GcPlan): GcTotals {
  const datasetBytes = plan.datasets.reduce((s, d) => s + d.bytes, 0);
  return {
    jobs: plan.jobs.length,
    blobs: plan.jobs.reduce((s, j) => s + j.blobs, 0) + plan.datasets.length,
    bytes: plan.jobs.reduce((s, j) => s + j.bytes, 0) + datasetBytes,
    rows: plan.jobs.reduce((s, j) => s + totalRows(j.rows), 0),
  };
}

/**
 * Uploaded datasets (`blob:datasets/<sha256><ext>`, shared by every job on the same bytes) that removed jobs
 * read and no other job does: no kept job record names it, and no running job's memo.
 */
async function orphanedDatasets(plan: GcPlan, jobIds: readonly string[], deps: GcDeps): Promise<BlobEntry[]> {
  const removed = new Set(plan.jobs.map((j) => j.jobId));
  const wanted = new Set<string>();
  for (const jobId of removed) {
    const path = (await deps.store.getJob(jobId))?.spec.dataset?.path;
    if (path?.startsWith(`${BLOB_PATH_PREFIX}datasets/`)) wanted.add(path);
  }
  if (wanted.size === 0) return [];
  const readers = await deps.runningDatasets();
  if (readers === 'unknown') return [];
  for (const jobId of jobIds) {
    if (removed.has(jobId)) continue;
    const path = (await deps.store.getJob(jobId))?.spec.dataset?.path;
    if (path) readers.add(path);
  }
  const keys = new Set([...wanted].filter((path) => !readers.has(path)).map((path) => path.slice(BLOB_PATH_PREFIX.length)));
  return (await deps.blobs.entries('datasets/')).filter((entry) => keys.has(entry.key));
}
