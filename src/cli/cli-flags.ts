import { CliError } from './cli-command';

/**
 * Reading parsed flags with one-line usage errors (exit 2). Every command reads its flags through these,
 * so a bad value always reads `--flag: reason`.
 */

export function stringFlag(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function booleanFlag(value: unknown): boolean {
  return value === true;
}

/** A number flag checked by `valid` (e.g. a port, a positive rate). */
export function numberFlag(value: unknown, name: string, valid: (n: number) => boolean = Number.isFinite): number | undefined {
  const text = stringFlag(value);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || !valid(n)) throw new CliError(`--${name}: not a valid value: ${text}`, 2);
  return n;
}

export function portFlag(value: unknown, name: string): number | undefined {
  return numberFlag(value, name, (n) => Number.isInteger(n) && n >= 0 && n < 65_536);
}

/** One of a fixed set of values (case-insensitive), returned as spelled in `choices`. */
export function choiceFlag<T extends string>(value: unknown, name: string, choices: readonly T[]): T | undefined {
  const text = stringFlag(value);
  if (text === undefined) return undefined;
  const found = choices.find((c) => c.toLowerCase() === text.toLowerCase());
  if (!found) throw new CliError(`--${name}: expected one of ${choices.join(', ')}, got ${text}`, 2);
  return found;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90s`, `45m`, `2h`, `1.5d`, or a bare number of seconds, as seconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([smhd]?)$/i.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[(match[2] || 's').toLowerCase()]!;
  return seconds > 0 ? seconds : undefined;
}

export function durationFlag(value: unknown, name: string): number | undefined {
  const text = stringFlag(value);
  if (text === undefined) return undefined;
  const seconds = parseDuration(text);
  if (seconds === undefined) throw new CliError(`--${name}: not a duration (use 90s, 45m, 2h or 1d): ${text}`, 2);
  return seconds;
}

/** Exactly one positional argument (a job id, a spec file), named in the error when missing. */
export function onePositional(positionals: string[], what: string): string {
  if (positionals.length === 0) throw new CliError(`missing ${what}`, 2);
  if (positionals.length > 1) throw new CliError(`expected one ${what}, got ${positionals.length}: ${positionals.join(' ')}`, 2);
  return positionals[0]!;
}
