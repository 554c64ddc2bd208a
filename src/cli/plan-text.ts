import type { PlanEstimate } from '../report/plan-estimate';
import { formatCount, formatDuration, formatUsd } from '../report/value-format';
import { formatTable } from './table';

const FIT_TEXT = { yes: 'yes', likely: 'likely', no: 'no', unknown: '' } as const;
const SOURCE_TEXT = {
  schema: 'from the output schema',
  max_tokens: 'max_tokens (an upper bound)',
  default: 'default: no schema or max_tokens',
  none: 'embeddings have none',
} as const;

/** A plan for people: volume and tokens, a row per mode (cost, expected and worst time, fit), the recommendation. */
export function planText(plan: PlanEstimate, title: string): string {
  const lines = [
    `Plan for ${title}`,
    `  items      ${formatCount(plan.items)}${plan.badRows > 0 ? ` (${formatCount(plan.badRows)} cannot become requests and would fail as bad_row)` : ''}`,
    `  tokens     ${formatCount(plan.tokens.in)} in (estimated), ${formatCount(plan.tokens.out)} out (${formatCount(plan.tokens.outPerItem)} per item, ${SOURCE_TEXT[plan.tokens.outSource]})`,
    `  batches    ${formatCount(plan.batches)}`,
  ];
  if (plan.toleranceSeconds !== undefined) lines.push(`  must end   within ${formatDuration(plan.toleranceSeconds)}`);
  const withFit = plan.toleranceSeconds !== undefined;
  const rows = plan.modes.map((m) => [
    m.mode,
    !m.available ? 'n/a' : m.costUsd === undefined ? `${Math.round(m.priceFactor * 100)}% of list` : formatUsd(m.costUsd),
    m.available ? formatDuration(m.expectedSeconds) : '-',
    m.available ? formatDuration(m.worstSeconds) : '-',
    ...(withFit ? [m.available ? FIT_TEXT[m.fits] : '-'] : []),
    m.basis,
  ]);
  const headers = ['MODE', 'COST', 'EXPECTED', 'WORST', ...(withFit ? ['FITS'] : []), 'HOW'];
  lines.push('', ...formatTable(headers, rows, new Set([1, 2, 3])).split('\n').map((l) => `  ${l}`), '');
  if (!plan.priceKnown) lines.push('  No price is known for this model: costs are shown as a share of the list price (add it with LONGHAUL_PRICES).');
  lines.push(`Recommended: ${plan.recommendation.mode}, ${plan.recommendation.reason}.`);
  lines.push('Estimates only: prompt tokens are counted with the o200k tokenizer; times assume the rates above (see --rpm, --tpm).');
  return lines.join('\n');
}
