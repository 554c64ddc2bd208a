import type { JobReport } from '../report/job-report';
import { integrityText } from '../report/integrity-text';
import { formatCount, formatDuration, formatUsd } from './progress-view';
import { cancelReasonText, formatCostComparison } from '../report/value-format';

/** A job report for people: counts that add up, failure reasons, tokens, cost beside realtime, files. */
export function reportText(report: JobReport): string {
  const { counts } = report;
  const lines = [
    `Job ${report.jobId} ${report.status} (generation ${report.generation}, task version ${report.taskVersion})`,
    `  items      ${formatCount(report.total)} = ${formatCount(counts.succeeded)} succeeded + ${formatCount(counts.failed)} failed + ${formatCount(counts.cancelled)} cancelled + ${formatCount(counts.cached)} cached`,
  ];
  if (report.status === 'cancelled' && report.cancelReason !== undefined) lines.push(`  cancelled  ${cancelReasonText(report.cancelReason)}`);
  const reasons = Object.entries(report.failuresByReason).sort((a, b) => b[1] - a[1]);
  if (reasons.length > 0) lines.push(`  failures   ${reasons.map(([reason, n]) => `${reason} ${formatCount(n)}`).join(', ')}`);
  lines.push(`  provider   ${report.provider} ${report.model} (${report.mode}), ${report.shards} shards in ${report.rounds} round${report.rounds === 1 ? '' : 's'}`);
  const tiers = Object.entries(report.byTier).filter(([tier]) => tier !== 'none');
  if (tiers.length > 0) lines.push(`  tiers      ${tiers.map(([tier, t]) => `${tier} ${formatCount(t.items)} items ${formatUsd(t.costUsd)}`).join(', ')}`);
  lines.push(`  tokens     ${formatCount(report.tokens.in)} in, ${formatCount(report.tokens.out)} out`);
  const money = formatCostComparison(report.cost.paidUsd, report.cost.realtimeUsd);
  lines.push(
    report.cost.priceKnown
      ? `  cost       ${money.paid} (realtime would be ${money.realtime}: saved ${money.saved})`
      : `  cost       unknown: ${report.cost.priceNote ?? `no price for ${report.model} (add it with LONGHAUL_PRICES)`}`,
  );
  const models = report.cost.byModel ?? [];
  if (report.cost.priceKnown && models.length > 1) {
    lines.push(`  models     ${models.map((m) => `${m.model} ${formatCount(m.items)} items ${formatUsd(m.paidUsd)} (realtime ${formatUsd(m.realtimeUsd)})`).join(', ')}`);
  }
  if (report.cost.priceKnown && report.cost.priceNote) lines.push(`  warning    ${report.cost.priceNote}`);
  const timings = Object.entries(report.timings).filter(([, ms]) => ms !== undefined);
  if (timings.length > 0) lines.push(`  time       ${timings.map(([phase, ms]) => `${phase} ${formatDuration((ms ?? 0) / 1000)}`).join(', ')}`);
  if (report.duplicateIds > 0) lines.push(`  warning    ${report.duplicateIds} item ids appear more than once in the dataset`);
  const integrity = integrityText(report);
  if (integrity) lines.push(`  absorbed   ${integrity}`);
  lines.push(`  results    ${report.files.results}`, `  failures   ${report.files.deadLetter}`, `  report     ${report.files.report}`);
  // finalize may also write the report as a page (files.reportHtml); older reports do not have it
  const page = (report.files as { reportHtml?: string }).reportHtml;
  if (page) lines.push(`  page       ${page}`);
  return lines.join('\n');
}

