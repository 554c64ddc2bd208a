import type { ResolvedJobSpec } from '../spec/job-spec';

/** Completion tokens assumed per item when neither an output schema nor a max_tokens parameter says more. */
export const DEFAULT_OUTPUT_TOKENS = 256;

/** Characters assumed for a string with no maxLength in an output schema. */
const FREE_STRING_CHARS = 80;
/** Characters per token of JSON output (denser than prose: quotes, braces, short keys). */
const JSON_CHARS_PER_TOKEN = 3;
const MAX_DEPTH = 8;

export type OutputTokenSource = 'schema' | 'max_tokens' | 'default' | 'none';

type Schema = Record<string, unknown>;

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Characters of a typical answer to a JSON Schema: enums by their longest value, strings at half their
 * maxLength (80 characters without one), numbers 4, arrays 3 items (or maxItems if fewer), objects every
 * property with its key, alternatives (anyOf/oneOf) by the largest.
 */
export function schemaAnswerChars(schema: unknown, depth = 0): number {
  if (!isSchema(schema) || depth > MAX_DEPTH) return 10;
  if (Array.isArray(schema.enum)) return Math.max(4, ...schema.enum.map((v) => JSON.stringify(v).length));
  if ('const' in schema) return JSON.stringify(schema.const).length;
  const alternatives = (schema.anyOf ?? schema.oneOf) as unknown;
  if (Array.isArray(alternatives) && alternatives.length > 0) return Math.max(...alternatives.map((s) => schemaAnswerChars(s, depth + 1)));
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      return typeof schema.maxLength === 'number' ? Math.ceil(schema.maxLength / 2) + 2 : FREE_STRING_CHARS;
    case 'integer':
    case 'number':
    case 'boolean':
    case 'null':
      return 4;
    case 'array': {
      const count = Math.min(3, typeof schema.maxItems === 'number' ? schema.maxItems : 3);
      return 2 + count * (schemaAnswerChars(schema.items, depth + 1) + 1);
    }
    default: {
      const properties = isSchema(schema.properties) ? Object.entries(schema.properties) : [];
      if (properties.length === 0) return type === 'object' ? 2 : FREE_STRING_CHARS;
      return 2 + properties.reduce((sum, [key, value]) => sum + key.length + 4 + schemaAnswerChars(value, depth + 1), 0);
    }
  }
}

function maxTokensParam(params: Record<string, unknown>): number | undefined {
  for (const key of ['max_tokens', 'max_completion_tokens', 'max_output_tokens']) {
    const value = params[key];
    if (typeof value === 'number' && value > 0) return value;
  }
  return undefined;
}

/**
 * Completion tokens expected per item, and where the number comes from: embeddings have none; an output
 * schema gives the size of a typical answer (capped by max_tokens when set); else the max_tokens parameter
 * (an upper bound); else DEFAULT_OUTPUT_TOKENS.
 */
export function outputTokensPerItem(spec: Pick<ResolvedJobSpec, 'endpoint' | 'params' | 'outputSchema'>): { tokens: number; source: OutputTokenSource } {
  if (spec.endpoint === '/v1/embeddings') return { tokens: 0, source: 'none' };
  const cap = maxTokensParam(spec.params);
  if (spec.outputSchema) {
    const fromSchema = Math.ceil(schemaAnswerChars(spec.outputSchema.schema) / JSON_CHARS_PER_TOKEN) + 5;
    return { tokens: cap !== undefined ? Math.min(cap, fromSchema) : fromSchema, source: 'schema' };
  }
  if (cap !== undefined) return { tokens: cap, source: 'max_tokens' };
  return { tokens: DEFAULT_OUTPUT_TOKENS, source: 'default' };
}
