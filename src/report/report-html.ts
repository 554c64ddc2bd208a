import { integrityText } from './integrity-text';
import type { JobReport } from './job-report';
import { columnChart, escapeXml, horizontalBars, PALETTE, stackedBar, type Datum } from './svg-charts';
import { cancelReasonText, formatCostComparison, formatCount, formatDuration, formatUsd } from './value-format';

const OUTCOME_COLORS = { succeeded: '#2e7d32', cached: '#1565c0', failed: '#c62828', cancelled: '#9e9e9e' } as const;
/** Tiers in the order a request may take them; `none` holds items never sent (bad rows, cancelled). */
const TIER_ORDER = ['batch', 'flex', 'realtime', 'cache', 'none'];

const STYLE = `
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:780px;padding:0 1rem;color:#222;line-height:1.4}
h1{font-size:1.5rem;margin-bottom:.25rem}h2{font-size:1.1rem;margin:2rem 0 .5rem;border-bottom:1px solid #ddd;padding-bottom:.25rem}
.meta{color:#555;margin:0}.status{display:inline-block;padding:.1rem .5rem;border-radius:.75rem;font-size:.85rem;color:#fff;background:#2e7d32}
.legend{font-size:.85rem;color:#444}.swatch{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 .6rem;vertical-align:middle}
.status.cancelled{background:#9e9e9e}.cards{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1rem}
.card{border:1px solid #ddd;border-radius:.5rem;padding:.5rem .75rem;min-width:8rem}.card b{display:block;font-size:1.25rem}
.note{color:#666;font-size:.9rem}table{border-collapse:collapse}td,th{padding:.2rem .75rem .2rem 0;text-align:left}code{word-break:break-all}
svg{max-width:100%;height:auto}`;

function section(title: string, body: string): string {
  return `<section><h2>${escapeXml(title)}</h2>${body}</section>`;
}

function note(text: string): string {
  return `<p class="note">${escapeXml(text)}</p>`;
}

function card(label: string, value: string, detail?: string): string {
  return `<div class="card">${escapeXml(label)}<b>${escapeXml(value)}</b>${detail ? `<span class="note">${escapeXml(detail)}</span>` : ''}</div>`;
}

function percent(part: number, total: number): string {
  return total > 0 ? `${((part / total) * 100).toFixed(1)}%` : '0%';
}

function header(r: JobReport): string {
  const elapsed = (Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000;
  const money = formatCostComparison(r.cost.paidUsd, r.cost.realtimeUsd);
  const cost = r.cost.priceKnown ? money.paid : 'unknown';
  const saved = r.cost.priceKnown ? `realtime ${money.realtime}, saved ${money.saved}` : `no price for ${unpricedModels(r)}`;
  const cancelled = r.status === 'cancelled' && r.cancelReason !== undefined ? `<p class="meta">${escapeXml(`Cancelled: ${cancelReasonText(r.cancelReason)}`)}</p>` : '';
  return [
    `<h1>Job ${escapeXml(r.jobId)} <span class="status ${escapeXml(r.status)}">${escapeXml(r.status)}</span></h1>`,
    `<p class="meta">${escapeXml(`${r.provider} · ${r.model} · ${r.mode} · generation ${r.generation} · task version ${r.taskVersion}`)}</p>`,
    `<p class="meta">${escapeXml(`${r.startedAt} → ${r.finishedAt}${Number.isFinite(elapsed) ? ` (${formatDuration(Math.max(0, elapsed))})` : ''}`)}</p>`,
    cancelled,
    '<div class="cards">',
    card('Items', formatCount(r.total)),
    card('Succeeded', formatCount(r.counts.succeeded + r.counts.cached), percent(r.counts.succeeded + r.counts.cached, r.total)),
    card('Failed', formatCount(r.counts.failed), percent(r.counts.failed, r.total)),
    card('Cost', cost, saved),
    card('Tokens', `${formatCount(r.tokens.in)} / ${formatCount(r.tokens.out)}`, 'in / out'),
    card('Shards', formatCount(r.shards), `${r.rounds} round${r.rounds === 1 ? '' : 's'}`),
    '</div>',
  ].join('');
}

function outcomes(r: JobReport): string {
  const data: Datum[] = (['succeeded', 'cached', 'failed', 'cancelled'] as const).map((state) => ({
    label: state,
    value: r.counts[state],
    text: `${formatCount(r.counts[state])} (${percent(r.counts[state], r.total)})`,
    color: OUTCOME_COLORS[state],
  }));
  const addsUp = data.reduce((s, d) => s + d.value, 0) === r.total;
  return section('Outcomes', stackedBar('Items by outcome', data) + note(`${formatCount(r.total)} items${addsUp ? ', each with exactly one outcome' : ''}.`));
}

function shardTimes(r: JobReport): string {
  if (r.shardTimings.length === 0) return section('Time per shard', note('No shard timings were recorded for this job.'));
  const sorted = [...r.shardTimings].sort((a, b) => a.round - b.round || a.index - b.index);
  const data = sorted.map((t) => ({
    label: `r${t.round} s${t.index}`,
    value: t.seconds,
    text: `${formatDuration(t.seconds)}, ${formatCount(t.requests)} requests, ${t.tier}`,
    color: PALETTE[t.round % PALETTE.length],
  }));
  const seconds = sorted.map((t) => t.seconds).sort((a, b) => a - b);
  const median = seconds[Math.floor(seconds.length / 2)] ?? 0;
  const summary = `${sorted.length} shards; median ${formatDuration(median)}, longest ${formatDuration(seconds.at(-1) ?? 0)}.`;
  const rounds = [...new Set(sorted.map((t) => t.round))];
  const legend = rounds
    .map((round) => `<span class="swatch" style="background:${PALETTE[round % PALETTE.length]}"></span>${escapeXml(round === 0 ? 'first round' : `retry round ${round}`)}`)
    .join(' ');
  const chart = columnChart('Seconds from launch to collected, per shard', data, formatDuration, { x: 'shards, by round (r) and index (s)', y: 'time to collect' });
  return section('Time per shard', chart + `<p class="legend">${legend}</p>` + note(summary));
}

function tiers(r: JobReport): string {
  // 'none' holds items that never went out (cancelled before sending): not a tier anyone paid for
  const rows = Object.entries(r.byTier)
    .filter(([tier, t]) => t.items > 0 && tier !== 'none')
    .sort((a, b) => TIER_ORDER.indexOf(a[0]) - TIER_ORDER.indexOf(b[0]));
  if (rows.length === 0) return section('Cost per tier', note('No items reached a provider.'));
  const cost = rows.map(([tier, t]) => ({ label: tier, value: t.costUsd, text: `${formatUsd(t.costUsd)} for ${formatCount(t.items)} items` }));
  if (r.cost.priceKnown) cost.push({ label: 'at realtime', value: r.cost.realtimeUsd, text: `${formatUsd(r.cost.realtimeUsd)} (same tokens, standard tier)` });
  const tokens = rows.filter(([, t]) => t.tokensIn + t.tokensOut > 0).flatMap(([tier, t]) => [
    { label: `${tier} in`, value: t.tokensIn, text: formatCount(t.tokensIn), color: '#1565c0' },
    { label: `${tier} out`, value: t.tokensOut, text: formatCount(t.tokensOut), color: '#ef6c00' },
  ]);
  const costNote = (r.cost.priceNote ? note(`Warning: ${r.cost.priceNote}.`) : r.cost.priceKnown ? '' : note(`No price is known for ${r.model}: costs show as $0 (add it with LONGHAUL_PRICES).`)) + models(r);
  const tokenChart = tokens.length > 0 ? horizontalBars('Tokens per tier', tokens) : note('No tokens were used.');
  return section('Cost per tier', horizontalBars('Cost per tier in USD', cost) + costNote) + section('Tokens', tokenChart);
}

/** Each model's items and cost, when more than one model produced the job's items (a reprocess with another). */
function models(r: JobReport): string {
  const byModel = r.cost.byModel ?? [];
  if (byModel.length < 2) return '';
  const rows = byModel.map((m) => `<tr><th>${escapeXml(m.model)}</th><td>${escapeXml(`${formatCount(m.items)} items`)}</td><td>${escapeXml(formatUsd(m.paidUsd))}</td><td>${escapeXml(`realtime ${formatUsd(m.realtimeUsd)}`)}</td></tr>`);
  return `<table>${rows.join('')}</table>${note('Each item is priced at the model and tier that produced it.')}`;
}

/** Which model has no price, for the header: the job's, or one of several (the cost section's warning names it). */
function unpricedModels(r: JobReport): string {
  return (r.cost.byModel ?? []).length > 1 ? 'one of its models' : r.model;
}

function failures(r: JobReport): string {
  const reasons = Object.entries(r.failuresByReason).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  if (reasons.length === 0) return section('Failure reasons', note('No item failed.'));
  const data = reasons.map(([reason, n]) => ({ label: reason, value: n, text: formatCount(n), color: '#c62828' }));
  return section('Failure reasons', horizontalBars('Failed items by reason', data) + note('Failed items and their inputs are in the dead-letter file.'));
}

function phases(r: JobReport): string {
  const data = Object.entries(r.timings)
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .map(([phase, ms]) => ({ label: phase, value: ms / 1000, text: formatDuration(ms / 1000) }));
  return data.length === 0 ? '' : section('Time per phase', horizontalBars('Workflow time per phase', data));
}

function files(r: JobReport): string {
  const rows = Object.entries(r.files).map(([name, where]) => `<tr><th>${escapeXml(name)}</th><td><code>${escapeXml(String(where))}</code></td></tr>`);
  const absorbed = integrityText(r);
  const warning = (r.duplicateIds > 0 ? note(`${r.duplicateIds} item ids appear more than once in the dataset.`) : '') + (absorbed ? note(`Absorbed: ${absorbed}.`) : '');
  return section('Files', `<table>${rows.join('')}</table>${warning}`);
}

/**
 * A job report as one self-contained HTML page: header and key numbers, outcomes, time per shard, time per
 * phase, cost and tokens per tier, failure reasons and where the files are. Charts are inline SVG; no
 * scripts, fonts or other external assets, so the page opens anywhere, offline. Pure: same report, same page.
 */
/** Earlier generations beside this one: what each run used and got, so a reprocess can be judged against it. */
function generations(r: JobReport, earlier: readonly JobReport[]): string {
  if (earlier.length === 0) return '';
  const all = [...earlier, r];
  const row = (label: string, cell: (g: JobReport) => string) => `<tr><th>${escapeXml(label)}</th>${all.map((g) => `<td>${escapeXml(cell(g))}</td>`).join('')}</tr>`;
  const table = [
    `<table><tr><th></th>${all.map((g) => `<th>generation ${g.generation}</th>`).join('')}</tr>`,
    row('status', (g) => g.status),
    row('model', (g) => `${g.provider} ${g.model} (${g.mode})`),
    row('task version', (g) => g.taskVersion),
    row('succeeded', (g) => formatCount(g.counts.succeeded + g.counts.cached)),
    row('failed', (g) => formatCount(g.counts.failed)),
    row('cancelled', (g) => formatCount(g.counts.cancelled)),
    row('cost', (g) => (g.cost.priceKnown ? formatCostComparison(g.cost.paidUsd, g.cost.realtimeUsd).paid : 'unknown')),
    row('finished', (g) => g.finishedAt),
    '</table>',
  ];
  return section('Generations', table.join(''));
}

/** The page for a report; `earlier` are the job's earlier generations' reports, shown side by side with it. */
export function renderReportHtml(report: JobReport, earlier: readonly JobReport[] = []): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(`Longhaul job ${report.jobId}: ${report.status}`)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    header(report),
    generations(report, earlier),
    outcomes(report),
    shardTimes(report),
    phases(report),
    tiers(report),
    failures(report),
    files(report),
    `<footer>${note(`Longhaul report, generated from report.json of job ${report.jobId}.`)}</footer>`,
    '</body></html>',
    '',
  ].join('\n');
}
