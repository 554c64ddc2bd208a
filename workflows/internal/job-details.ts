import type { JobProgress, ShardProgress } from '../definitions';

// the workflow sandbox may import values only from workflows/: plain formats, as the CLI shows them
const formatCount = (n: number): string => n.toLocaleString('en-US');
const formatUsd = (usd: number): string => `$${usd.toFixed(usd > 0 && usd < 0.01 ? 4 : 2)}`;
function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * What the Temporal UI shows on a job's page (the workflow's current details, Markdown): state, items done
 * of total, shards, cost and ETA, so a user sees progress without running a query. Recomputed on every
 * change of the job's counts; current details are not recorded in history, so this costs no events.
 */
export function jobDetailsText(p: JobProgress): string {
  const { items } = p;
  const settled = items.succeeded + items.failed + items.cancelled + items.cached;
  const total = Math.max(p.total, settled + items.pending + items.retrying);
  const percent = total > 0 ? Math.floor((settled / total) * 100) : 0;
  const eta = p.overdueShards ? 'unknown (a batch is past its expiry)' : p.etaSeconds !== undefined ? formatDuration(p.etaSeconds) : '-';
  return [
    `**${p.status}**${p.paused ? ' (paused)' : ''} - generation ${p.generation}, round ${p.round}, tier ${p.tier}`,
    '',
    `- items: ${formatCount(settled)}/${formatCount(total)} settled (${percent}%): ok ${formatCount(items.succeeded)}, failed ${formatCount(items.failed)}, cached ${formatCount(items.cached)}, retrying ${formatCount(items.retrying)}${items.cancelled ? `, cancelled ${formatCount(items.cancelled)}` : ''}`,
    `- shards: ${p.shards.done}/${p.shards.total} done, ${p.shards.running} running, ${p.shards.queued} queued`,
    `- cost ${formatUsd(p.costUsd)}, tokens ${formatCount(p.tokens.in)} in / ${formatCount(p.tokens.out)} out, ETA ${eta}`,
  ].join('\n');
}

/** A shard's page in the Temporal UI: its phase, batch id and the provider's live request counts. */
export function shardDetailsText(p: ShardProgress): string {
  const { counts } = p;
  return [
    `**${p.phase}**${p.cancelRequested ? ' (cancelling)' : ''}${p.overdue ? ' (past expiry)' : ''} - shard ${p.shardAttemptId}`,
    '',
    `- batch: ${p.batchId ?? '-'}`,
    `- requests: ${formatCount(counts.completed)} completed, ${formatCount(counts.failed)} failed of ${formatCount(counts.total)} (polls ${p.polls})`,
  ].join('\n');
}
