import type { JobProgress } from '../../workflows/definitions';
import { formatCount, formatDuration, formatUsd } from '../report/value-format';

export { formatCount, formatDuration, formatUsd };

const WIDTH = 24;

/** One line: a bar, items by state, shards by phase, tokens, cost and ETA. */
export function progressLine(p: JobProgress): string {
  const { items } = p;
  const settled = items.succeeded + items.failed + items.cancelled + items.cached;
  const fraction = p.total > 0 ? Math.min(1, settled / p.total) : 0;
  const filled = Math.round(fraction * WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}`;
  const parts = [
    `[${bar}] ${String(Math.floor(fraction * 100)).padStart(3)}%`,
    `${formatCount(settled)}/${formatCount(p.total)} items`,
    `ok ${formatCount(items.succeeded)} failed ${formatCount(items.failed)} retrying ${formatCount(items.retrying)} cached ${formatCount(items.cached)}${items.cancelled ? ` cancelled ${formatCount(items.cancelled)}` : ''}`,
    `shards ${p.shards.done}/${p.shards.total} (${p.shards.running} running)${p.round > 0 ? ` round ${p.round}` : ''}`,
    `tokens ${formatCount(p.tokens.in)} in ${formatCount(p.tokens.out)} out`,
    formatUsd(p.costUsd),
  ];
  if (p.overdueShards) parts.push(`ETA unknown: ${p.overdueShards} batch${p.overdueShards === 1 ? '' : 'es'} past expiry, cancelling`);
  else if (p.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(p.etaSeconds)}`);
  parts.push(p.status);
  return parts.join(' | ');
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

  update(progress: JobProgress): void {
    const line = progressLine(progress);
    if (this.out.isTTY) {
      const width = this.out.columns ?? 160;
      this.out.write(`\r\x1b[2K${line.length > width - 1 ? line.slice(0, width - 2) + '…' : line}`);
      this.last = line;
      return;
    }
    const now = Date.now();
    if (line !== this.last && now - this.lastPrintedAt >= this.minIntervalMs) {
      this.out.write(line + '\n');
      this.last = line;
      this.lastPrintedAt = now;
    }
  }

  /** Leaves the last state on screen and moves to a new line. */
  done(progress?: JobProgress): void {
    if (progress) {
      const line = progressLine(progress);
      this.out.write(this.out.isTTY ? `\r\x1b[2K${line}\n` : line !== this.last ? line + '\n' : '');
    } else if (this.out.isTTY) this.out.write('\n');
  }
}
