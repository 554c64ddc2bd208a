/**
 * Retry-After of an HTTP answer as milliseconds: `retry-after-ms` when present (OpenAI), else `retry-after` as
 * seconds or an HTTP date (RFC 9110). Undefined when the answer names no delay. Never negative.
 */
export function retryAfterMs(headers: Headers | undefined | null): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const after = headers?.get('retry-after');
  if (!after) return undefined;
  if (Number.isFinite(Number(after))) return Math.max(0, Number(after) * 1000);
  const date = Date.parse(after);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}
