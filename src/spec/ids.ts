import { createHash, hash } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { JobSpec } from './job-spec';

/**
 * The one place that derives Longhaul's hashes and provider-facing ids. Workflow ids, which the
 * deterministic sandbox must compute too, live in workflows/internal/workflow-ids.ts.
 */

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Hash of everything that changes an answer: provider, model, endpoint, prompt (or builder + version),
 * request parameters and output schema. Mode, limits, polling and the job id do not change answers and
 * are left out, so the same task run in batch or realtime shares cached results. 16 hex characters.
 */
export function taskVersionOf(spec: Pick<JobSpec, 'provider' | 'model' | 'prompt' | 'params' | 'outputSchema'> & { endpoint: string }): string {
  const answerShaping = {
    provider: spec.provider,
    model: spec.model,
    endpoint: spec.endpoint,
    prompt: spec.prompt,
    params: spec.params,
    outputSchema: spec.outputSchema ?? null,
  };
  return sha256Hex(canonicalJson(answerShaping)).slice(0, 16);
}

/** An item's key: the value of its id field when the spec names one, else a hash of the row (24 hex). */
export function rowHashKey(row: unknown): string {
  return sha256Hex(canonicalJson(row)).slice(0, 24);
}

/**
 * The key of a dataset row: its id field's value (a non-empty string or a finite number) when the spec
 * names an id field, else a hash of the row. Undefined when the named id field is missing or empty.
 */
export function itemKeyOf(row: Record<string, unknown>, idField: string | undefined): string | undefined {
  if (!idField) return rowHashKey(row);
  const value = row[idField];
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Stand-in key for a row that has none (unparseable, or its id field missing). */
export function lineKey(line: number): string {
  return `line-${line}`;
}

/**
 * Key of one request under one task version: a hash of the taskVersion and what makes this request's body
 * (the values its template was filled with, or the whole body for request builders), so a changed row
 * (same id, new text) is not served a stale cached answer. 32 hex characters.
 */
export function requestKeyOf(taskVersion: string, requestIdentity: string): string {
  return hash('sha256', `${taskVersion}\n${requestIdentity}`, 'hex').slice(0, 32);
}

/**
 * The provider-facing custom_id of one item in one round: `i<seq>-g<generation>-r<round>`. It matches the
 * strictest provider rule (^[a-zA-Z0-9_-]{1,64}$), is unique within a batch (seq is unique within a job)
 * and maps back to the item without a lookup table.
 */
export function customIdOf(seq: number, generation: number, round: number): string {
  return `i${seq}-g${generation}-r${round}`;
}

/**
 * Parses a custom_id made by customIdOf (`i<digits>-g<digits>-r<digits>`); undefined for anything else (a
 * foreign or corrupted line). Read character by character: collect parses one per result line.
 */
export function parseCustomId(customId: unknown): { seq: number; generation: number; round: number } | undefined {
  if (typeof customId !== 'string' || customId.charCodeAt(0) !== 105) return undefined; // 'i'
  let at = 1;
  const number = (): number => {
    const start = at;
    let value = 0;
    for (let c = customId.charCodeAt(at) - 48; c >= 0 && c <= 9; c = customId.charCodeAt(++at) - 48) value = value * 10 + c;
    return at > start ? value : NaN;
  };
  const seq = number();
  if (customId.charCodeAt(at) !== 45 || customId.charCodeAt(at + 1) !== 103) return undefined; // '-g'
  at += 2;
  const generation = number();
  if (customId.charCodeAt(at) !== 45 || customId.charCodeAt(at + 1) !== 114) return undefined; // '-r'
  at += 2;
  const round = number();
  if (at !== customId.length || Number.isNaN(seq) || Number.isNaN(generation) || Number.isNaN(round)) return undefined;
  return { seq, generation, round };
}

/** The seq a custom_id names when it is of this generation and round; undefined for any other line (foreign). */
export function seqInRound(customId: unknown, at: { generation: number; round: number }): number | undefined {
  const id = parseCustomId(customId);
  return id && id.generation === at.generation && id.round === at.round ? id.seq : undefined;
}
