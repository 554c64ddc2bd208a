import type { JobReport } from './job-report';
import { formatCount, formatUsd } from './value-format';

/**
 * What the engine absorbed without failing items, when anything: result lines it read around (each affected
 * item was retried), and batches created beyond one per shard attempt (cancelled when found).
 */
export function integrityText(report: JobReport): string | undefined {
  if (!report.integrity) return undefined;
  const { resultLines: l, strayBatches: s } = report.integrity;
  const parts: string[] = [];
  if (l.malformed) parts.push(`${formatCount(l.malformed)} malformed result lines`);
  if (l.conflicting) parts.push(`${formatCount(l.conflicting)} items answered twice differently`);
  if (l.duplicate) parts.push(`${formatCount(l.duplicate)} duplicate result lines ignored`);
  if (l.foreign) parts.push(`${formatCount(l.foreign)} result lines of other shards ignored`);
  if (s.count) {
    const billed = s.requestsBilled === null ? 'billing unknown' : `${formatCount(s.requestsBilled)} requests billed, ~${formatUsd(s.costUsd ?? 0)}`;
    parts.push(`${s.count} stray batch${s.count === 1 ? '' : 'es'} cancelled (${billed})`);
  }
  return parts.length ? parts.join('; ') : undefined;
}
