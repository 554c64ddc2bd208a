import type { JsonSchema } from './schema-answer';

/** Braces looked at before giving up: a prompt is not searched end to end for every `{`. */
const MAX_CANDIDATES = 64;
/** Longer prompts are searched in their first this many characters. */
const MAX_CHARS = 200_000;

/** A JSON Schema written in a prompt, and where its text is. */
export interface PromptSchema {
  schema: JsonSchema;
  /** The schema's JSON text as it appears in the prompt (removed from the item's text before answering). */
  source: string;
}

/**
 * The JSON Schema a prompt states in its text, as instructor-style clients send it ("Return json matching
 * this schema: {...}", a pydantic `model_json_schema()` in a system or user message): the largest JSON
 * object in the text that reads as a schema (it has `properties`, or `$schema`, or `type: "object"`).
 * Undefined when there is none. Linear-ish: at most MAX_CANDIDATES objects of the first MAX_CHARS
 * characters are parsed.
 */
export function schemaInPrompt(text: string): PromptSchema | undefined {
  const source = text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text;
  let found: PromptSchema | undefined;
  let from = source.indexOf('{');
  for (let tries = 0; from >= 0 && tries < MAX_CANDIDATES; tries += 1) {
    const end = matchingBrace(source, from);
    const candidate = end < 0 ? '' : source.slice(from, end + 1);
    const schema = end < 0 ? undefined : parseSchema(candidate);
    if (schema && (!found || candidate.length > found.source.length)) found = { schema, source: candidate };
    // a schema's inner objects are not candidates of their own; anything else may still hold one
    from = source.indexOf('{', schema ? end + 1 : from + 1);
  }
  return found;
}

/** Index of the `}` closing the `{` at `start` (strings and escapes respected), or -1. */
function matchingBrace(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i += 1; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123) depth += 1;
    else if (c === 125 && --depth === 0) return i;
  }
  return -1;
}

function parseSchema(candidate: string): JsonSchema | undefined {
  let value: unknown;
  try {
    value = JSON.parse(candidate);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const node = value as JsonSchema;
  const properties = node.properties;
  const hasProperties = Boolean(properties) && typeof properties === 'object' && !Array.isArray(properties)
    && Object.values(properties as object).every((p) => p !== null && typeof p === 'object');
  return hasProperties || typeof node.$schema === 'string' || (node.type === 'object' && typeof node.$defs === 'object') ? node : undefined;
}
