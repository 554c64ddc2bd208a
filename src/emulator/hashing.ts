import { hash } from 'node:crypto';

/**
 * The emulator's only source of "randomness": hashes of the scenario seed and stable request facts
 * (custom_id, submission number, request body). Same inputs, same draw, on every run and after a restart.
 */

/** Hex SHA-256 of the parts joined by a separator no JSON text contains unescaped. */
export function hashHex(...parts: (string | number)[]): string {
  return hash('sha256', parts.join('\u0000'));
}

/** A number in [0, 1) drawn from the parts; used to decide faults at a configured rate. */
export function unitDraw(...parts: (string | number)[]): number {
  return parseInt(hashHex(...parts).slice(0, 12), 16) / 2 ** 48;
}

/** An integer in [0, n) drawn from the parts (n >= 1). */
export function pick(n: number, ...parts: (string | number)[]): number {
  return Math.floor(unitDraw(...parts) * n);
}

/** Canonical JSON (object keys sorted) so that key order does not change a request's hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, sortKeys) ?? 'null';
}

function sortKeys(_key: string, value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const sorted = [...keys].sort();
  if (keys.every((key, i) => key === sorted[i])) return value;
  const copy: Record<string, unknown> = {};
  for (const key of sorted) copy[key] = (value as Record<string, unknown>)[key];
  return copy;
}

/** A small deterministic PRNG (mulberry32) seeded from a hash, for long derived sequences (embeddings). */
export function seededSequence(seedHex: string): () => number {
  let state = parseInt(seedHex.slice(0, 8), 16) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
