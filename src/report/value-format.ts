/**
 * How numbers read in reports, plans and the CLI: counts with thousands separators (k/M when large), dollars
 * with cents (four decimals under a cent), durations as `45s`, `12m05s`, `6h00m`, `2d03h`.
 */

export function formatCount(n: number): string {
  if (n >= 10_000_000) return `${(n / 1_000_000).toFixed(0)}M`;
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`;
  if (n >= 10_000) return `${(n / 1000).toFixed(0)}k`;
  return n.toLocaleString('en-US');
}

export function formatUsd(usd: number): string {
  return usd < 0.01 && usd > 0 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(seconds / 86_400)}d${String(Math.floor((seconds % 86_400) / 3600)).padStart(2, '0')}h`;
}

/**
 * Paid, realtime and saved dollars rounded alike so the shown figures add up (`$0.05 + $0.06 saved = $0.11`):
 * saved is the difference of the rounded figures, not the rounded difference. Four decimals when either
 * figure is under a cent.
 */
export function formatCostComparison(paidUsd: number, realtimeUsd: number): { paid: string; realtime: string; saved: string } {
  const small = [paidUsd, realtimeUsd].some((usd) => usd > 0 && usd < 0.01);
  const digits = small ? 4 : 2;
  const scale = 10 ** digits;
  const paid = Math.round(paidUsd * scale);
  const realtime = Math.round(realtimeUsd * scale);
  const show = (units: number): string => `${units < 0 ? '-' : ''}$${(Math.abs(units) / scale).toFixed(digits)}`;
  return { paid: show(paid), realtime: show(realtime), saved: show(realtime - paid) };
}

/** A cancelled job's reason for people: as given, or that none was. */
export function cancelReasonText(reason: string | null): string {
  return reason === null || reason.trim() === '' ? 'on request (no reason given)' : reason;
}
