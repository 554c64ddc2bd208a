import type { DetailedProgress } from '../client/job-handle';
import type { JobSummary } from '../client/longhaul-client';
import { progressLine } from './progress-view';
import { formatCount, formatDuration } from '../report/value-format';
import { formatTable, formatTime } from './table';

const count = (n: number | undefined) => (n === undefined ? '-' : formatCount(n));

/** The job list: one row per job, newest first. */
export function jobsTable(jobs: JobSummary[]): string {
  if (jobs.length === 0) return 'No jobs yet. Start one with: longhaul run SPEC';
  const rows = jobs.map((j) => [
    j.jobId,
    j.status,
    [j.provider, j.model].filter(Boolean).join('/') || '-',
    count(j.itemsTotal),
    count(j.itemsSucceeded),
    count(j.itemsFailed),
    formatTime(j.startTime),
    formatTime(j.closeTime),
  ]);
  return formatTable(['JOB', 'STATUS', 'PROVIDER/MODEL', 'ITEMS', 'OK', 'FAILED', 'STARTED', 'ENDED'], rows, new Set([3, 4, 5]));
}

/** A running job in detail: the progress line, then the live counts of each running shard's batch. */
export function progressDetail(p: DetailedProgress, uiUrl: string | undefined): string {
  const lines = [
    `Job ${p.jobId} ${p.status} (generation ${p.generation}, round ${p.round})${p.paused ? ' - paused: no new shards are launched' : ''}`,
    `  ${progressLine(p)}`,
    `  started ${formatTime(p.startedAt)}${p.etaSeconds !== undefined ? `, about ${formatDuration(p.etaSeconds)} to go` : ''}`,
    `  shards   ${p.shards.total} total: ${p.shards.done} done, ${p.shards.running} running, ${p.shards.queued} queued`,
  ];
  if (p.shardDetails.length > 0) {
    const rows = p.shardDetails.map((s) => [
      s.shardAttemptId,
      s.phase + (s.cancelRequested ? ' (cancelling)' : ''),
      s.batchId ?? '-',
      `${formatCount(s.counts.completed)}/${formatCount(s.counts.total)}`,
      formatCount(s.counts.failed),
      String(s.polls),
    ]);
    const table = formatTable(['SHARD', 'PHASE', 'BATCH', 'DONE', 'FAILED', 'POLLS'], rows, new Set([3, 4, 5]));
    lines.push('', ...table.split('\n').map((l) => `  ${l}`));
  }
  if (uiUrl) lines.push('', `  Temporal ${uiUrl}`);
  return lines.join('\n');
}
