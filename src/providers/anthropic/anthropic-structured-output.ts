import { transformJSONSchema } from '@anthropic-ai/sdk/lib/transform-json-schema';

/**
 * How a job's output schema is asked of Claude: native structured outputs (`output_config.format`, constrained
 * decoding, a text block of JSON) on the models Anthropic documents them for, a forced tool elsewhere. Kept
 * as data: a model family takes them from the version listed here on (README.md says which and why).
 */

export type ClaudeFamily = 'haiku' | 'sonnet' | 'opus' | 'fable' | 'mythos';

/**
 * First version ([major, minor]) of each family with structured outputs generally available on the Claude API:
 * Haiku 4.5, Sonnet 4.5 and Opus 4.5 (GA; Opus 4.1 only had the beta), every later version of them, Claude
 * Mythos Preview and every Fable and Mythos model. Later models keep the feature, and Claude Fable 5.1 and
 * Mythos 5.1 refuse a forced tool (400), so there the fallback would not work at all.
 */
export const NATIVE_STRUCTURED_OUTPUTS_SINCE: Readonly<Record<ClaudeFamily, readonly [number, number]>> = {
  haiku: [4, 5],
  sonnet: [4, 5],
  opus: [4, 5],
  fable: [5, 0],
  mythos: [0, 0],
};

/**
 * `claude-sonnet-4-5`, `claude-opus-4-5-20251101`, `claude-haiku-5-5`, `claude-mythos-preview`, also inside
 * a platform id (`anthropic.claude-sonnet-4-5-20250929-v1:0`, `claude-sonnet-4-5@20250929`). A minor version
 * has one or two digits; a date suffix is not one. Older names (`claude-3-5-sonnet-20241022`) do not match.
 */
const MODEL_NAME = /claude-(haiku|sonnet|opus|fable|mythos)-(?:(\d+)(?:-(\d{1,2}))?(?!\d)|preview\b)/;

/** Whether `model` takes native structured outputs (see NATIVE_STRUCTURED_OUTPUTS_SINCE); unknown names do not. */
export function usesNativeStructuredOutputs(model: string): boolean {
  const match = MODEL_NAME.exec(model.toLowerCase());
  if (!match) return false;
  const [major, minor] = [Number(match[2] ?? 0), Number(match[3] ?? 0)];
  const [sinceMajor, sinceMinor] = NATIVE_STRUCTURED_OUTPUTS_SINCE[match[1] as ClaudeFamily];
  return major > sinceMajor || (major === sinceMajor && minor >= sinceMinor);
}

/**
 * The schema as structured outputs accept it, transformed as the official SDK transforms it (the SDK's own
 * `transformJSONSchema`): the keywords the API refuses with a 400 (numeric and string bounds, array bounds
 * other than minItems 0/1) move into `description`, where the model still reads them, and every object
 * gets `additionalProperties: false`. Longhaul validates answers against the full schema, so nothing is
 * lost. Undefined when the schema cannot be sent this way (its root is not an object, or a node has no
 * type): the caller then forces a tool instead.
 */
export function structuredOutputSchema(schema: Record<string, unknown>): Record<string, unknown> | undefined {
  if (schema.type !== 'object') return undefined;
  try {
    return transformJSONSchema(schema) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
