import type { JobProgress } from '../../workflows/definitions';
import { formatCount, formatDuration, formatUsd } from '../report/value-format';

export { formatCount, formatDuration, formatUsd };

const WIDTH = 24;

/** Progress, optionally with the live counts of running shards' batches (DetailedProgress). */
export type ProgressInput = JobProgress & { shardDetails?: { counts: { completed: number; failed: number } }[] };

/**
 * Items done: settled items (collected shards, cached, bad rows) plus requests the provider has finished
 * inside batches still running, so a 24 h batch moves the bar before it is collected. The total is never
 * below what is settled or still to do (a cached or tiny job can end before prepare's total was seen).
 */
export function progressCounts(p: ProgressInput): { done: number; total: number; fraction: number } {
  const { items } = p;
  const settled = items.succeeded + items.failed + items.cancelled + items.cached;
  const inBatches = (p.shardDetails ?? []).reduce((n, s) => n + s.counts.completed + s.counts.failed, 0);
  const total = Math.max(p.total, settled + items.pending + items.retrying);
  const done = Math.min(total, settled + Math.min(inBatches, items.pending));
  return { done, total, fraction: total > 0 ? done / total : p.report ? 1 : 0 };
}

/**
 * One line: bar, done/total, items by state, shards, tokens, cost, ETA and state. Given a width (a
 * terminal's columns), the less vital parts are dropped first so state, done/total, ETA and cost stay.
 */
export function progressLine(p: ProgressInput, width?: number): string {
  const { items } = p;
  const { done, total, fraction } = progressCounts(p);
  const bar = (w: number) => {
    const filled = Math.round(fraction * w);
    return `[${'█'.repeat(filled)}${'░'.repeat(w - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
  };
  const eta = p.overdueShards
    ? `ETA unknown: ${p.overdueShards} batch${p.overdueShards === 1 ? '' : 'es'} past expiry, cancelling`
    : p.etaSeconds !== undefined ? `ETA ${formatDuration(p.etaSeconds)}` : undefined;
  const vital = [`${formatCount(done)}/${formatCount(total)} items`, formatUsd(p.costUsd), ...(eta ? [eta] : []), p.status];
  const full = [
    bar(WIDTH),
    vital[0]!,
    `ok ${formatCount(items.succeeded)} failed ${formatCount(items.failed)} retrying ${formatCount(items.retrying)} cached ${formatCount(items.cached)}${items.cancelled ? ` cancelled ${formatCount(items.cancelled)}` : ''}`,
    `shards ${p.shards.done}/${p.shards.total} (${p.shards.running} running)${p.round > 0 ? ` round ${p.round}` : ''}`,
    `tokens ${formatCount(p.tokens.in)} in ${formatCount(p.tokens.out)} out`,
    ...vital.slice(1),
  ].join(' | ');
  if (width === undefined || full.length <= width) return full;
  const compact = vital.join(' | ');
  for (const w of [WIDTH, 16, 10]) {
    const line = `${bar(w)} | ${compact}`;
    if (line.length <= width) return line;
  }
  return compact.length <= width ? compact : compact.slice(0, Math.max(1, width - 1)) + '…';
}

/**
 * Redraws progress in place on a terminal, or prints a line when it changes (at most every few seconds)
 * elsewhere, so logs stay readable.
 */
export class ProgressView {
  private last = '';
  private lastPrintedAt = 0;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly minIntervalMs = 3000,
  ) {}

  update(progress: ProgressInput): void {
    if (this.out.isTTY) {
      const line = progressLine(progress, (this.out.columns ?? 160) - 1);
      this.out.write(`\r\x1b[2K${line}`);
      this.last = line;
      return;
    }
    const line = progressLine(progress);
    const now = Date.now();
    if (line !== this.last && now - this.lastPrintedAt >= this.minIntervalMs) {
      this.out.write(line + '\n');
      this.last = line;
      this.lastPrintedAt = now;
    }
  }

  /** Leaves the last state on screen and moves to a new line. */
  done(progress?: ProgressInput): void {
    if (progress) {
      const line = progressLine(progress, this.out.isTTY ? (this.out.columns ?? 160) - 1 : undefined);
      this.out.write(this.out.isTTY ? `\r\x1b[2K${line}\n` : line !== this.last ? line + '\n' : '');
    } else if (this.out.isTTY) this.out.write('\n');
  }
}
