import type { ItemOutcome, ItemState, StoredOutcome, Tier } from './item-outcome';

/**
 * One line of a job's results file, and what `JobHandle.results()` yields: the item's id and input line,
 * its final state, the validated output or the error, and where the answer came from.
 */
export interface ResultLine {
  id: string;
  line: number;
  state: Exclude<ItemState, 'failed_retryable'>;
  output: unknown;
  error: { reason: string; message: string | null } | null;
  tier: Tier;
  round: number;
  tokens: { in: number; out: number };
  costUsd: number;
  input?: Record<string, unknown>;
}

export function toResultLine(outcome: ItemOutcome, input?: Record<string, unknown>): ResultLine {
  const line: ResultLine = {
    id: outcome.itemKey,
    line: outcome.line,
    state: outcome.state === 'failed_retryable' ? 'failed' : outcome.state,
    output: outcome.output ?? null,
    error: outcome.reason ? { reason: outcome.reason, message: outcome.message } : null,
    tier: outcome.tier,
    round: outcome.round,
    tokens: { in: outcome.tokensIn, out: outcome.tokensOut },
    costUsd: Math.round(outcome.costUsd * 1e8) / 1e8,
  };
  if (input) line.input = input;
  return line;
}

/**
 * The JSON text of a stored outcome's result line, exactly as `JSON.stringify(toResultLine(...))` would
 * write it, without parsing the output: the store keeps it as the JSON text JSON.stringify made, so it is
 * spliced in as it is. Finalize writes one of these per item, so it skips a parse and a serialization.
 */
export function resultLineJson(o: StoredOutcome, input?: Record<string, unknown>): string {
  const state = o.state === 'failed_retryable' ? 'failed' : o.state;
  const error = o.reason ? `{"reason":${JSON.stringify(o.reason)},"message":${JSON.stringify(o.message)}}` : 'null';
  const cost = JSON.stringify(Math.round(o.costUsd * 1e8) / 1e8);
  let json =
    `{"id":${JSON.stringify(o.itemKey)},"line":${JSON.stringify(o.line)},"state":${JSON.stringify(state)},"output":${o.outputJson ?? 'null'},` +
    `"error":${error},"tier":${JSON.stringify(o.tier)},"round":${JSON.stringify(o.round)},` +
    `"tokens":{"in":${JSON.stringify(o.tokensIn)},"out":${JSON.stringify(o.tokensOut)}},"costUsd":${cost}`;
  if (input) json += `,"input":${JSON.stringify(input)}`;
  return json + '}';
}

export const CSV_COLUMNS = ['id', 'line', 'state', 'reason', 'message', 'output', 'tier', 'round', 'tokens_in', 'tokens_out', 'cost_usd'] as const;

function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsvRow(line: ResultLine): string {
  return [
    line.id,
    line.line,
    line.state,
    line.error?.reason,
    line.error?.message,
    line.output,
    line.tier,
    line.round,
    line.tokens.in,
    line.tokens.out,
    line.costUsd,
  ]
    .map(csvField)
    .join(',');
}
