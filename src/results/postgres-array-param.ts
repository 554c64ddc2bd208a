/** A JSON escape other than \" and \\ (\n, \t, \uXXXX...): it means something else in an array literal. */
const JSON_ONLY_ESCAPE = /(?<!\\)(?:\\\\)*\\[^"\\]/;

/**
 * A column of strings, finite numbers and nulls as PostgreSQL's array literal (`{"a","b",NULL}`), for a query
 * parameter cast to an array type. Made with JSON.stringify, which is native: JSON quotes a string the way an
 * array literal does (double quotes, `\"` and `\\`) and writes a missing value as null, which the literal reads
 * as NULL. 10,000 outcomes' columns take ~5 ms where pg's own serializer takes ~25, and the server reads the
 * text faster too (PostgreSQL upserts ~1.25x). A column that needs any other escape (a line break, a control
 * character, a lone surrogate), or holds a number JSON cannot write (NaN, Infinity), is given back as it is, for
 * pg to serialize.
 */
export function arrayParam(values: readonly unknown[]): string | readonly unknown[] {
  for (const value of values) if (typeof value === 'number' && !Number.isFinite(value)) return values;
  const json = JSON.stringify(values);
  if (JSON_ONLY_ESCAPE.test(json)) return values;
  return `{${json.slice(1, -1)}}`;
}
