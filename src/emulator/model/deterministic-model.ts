import { hashHex, pick, seededSequence } from '../hashing';
import { answerForSchema, type JsonSchema } from './schema-answer';
import { estimateTokens, summarize, textFeatures } from './text-features';

/** How a scenario may spoil a schema-constrained answer. */
export type SchemaBreak = 'invalid_json' | 'missing_required';

/** One model call, reduced to what the deterministic model reads. */
export interface ModelCall {
  /** All prompt text (instructions, system, messages) in order. */
  promptText: string;
  /** The request body: hashed so that the same request (as serialized) gets the same answer. */
  body: unknown;
  /** JSON schema the answer must satisfy, if the request asked for one. */
  schema?: JsonSchema | undefined;
  /** max_tokens / max_output_tokens: a longer answer is cut and reported as truncated. */
  maxOutputTokens?: number | undefined;
  /** Produce an answer that breaks the schema (scenario fault). */
  breakSchema?: boolean | undefined;
}

export interface ModelAnswer {
  /** The answer text (JSON text when a schema was given). */
  text: string;
  /** The parsed answer when a schema was given and the answer is valid JSON. */
  json?: unknown;
  promptTokens: number;
  completionTokens: number;
  /** Cut at maxOutputTokens. */
  truncated: boolean;
}

/**
 * The deterministic model: the answer is a pure function of the request body. With a schema the answer is
 * JSON valid against it (unless `breakSchema`), otherwise a short summary of the prompt's words.
 */
export function answer(call: ModelCall): ModelAnswer {
  // as serialized, not canonicalized: sorting every key of every request (schema included) is a large share of
  // the emulator's time, and a client sends the same request the same way
  const bodyKey = JSON.stringify(call.body);
  const features = textFeatures(call.promptText, bodyKey);
  const promptTokens = estimateTokens(call.promptText) + 7;
  if (call.schema) {
    let json: unknown = answerForSchema(call.schema, features);
    let text = JSON.stringify(json);
    if (call.breakSchema) ({ json, text } = spoil(json, call.schema, features.hash));
    return { text, json, promptTokens, completionTokens: estimateTokens(text), truncated: false };
  }
  let text = summarize(features);
  const limit = call.maxOutputTokens;
  const truncated = limit !== undefined && estimateTokens(text) > limit;
  if (truncated) text = text.slice(0, limit * 4);
  return { text, promptTokens, completionTokens: estimateTokens(text), truncated };
}

/** Invalid JSON, or valid JSON missing a required top-level field, chosen by the body hash. */
function spoil(json: unknown, schema: JsonSchema, hash: string): { json?: unknown; text: string } {
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const isObject = json !== null && typeof json === 'object' && !Array.isArray(json);
  if (isObject && required.length && pick(2, hash, 'spoil') === 0) {
    const copy = { ...(json as Record<string, unknown>) };
    delete copy[required[pick(required.length, hash, 'field')] as string];
    return { json: copy, text: JSON.stringify(copy) };
  }
  const text = JSON.stringify(json);
  return { text: text.slice(0, Math.max(1, Math.floor(text.length / 2))) };
}

/** A deterministic unit-length embedding of `text` with `dimensions` components. */
export function embed(text: string, dimensions: number): number[] {
  const next = seededSequence(hashHex('embedding', text));
  const raw = Array.from({ length: dimensions }, () => next() * 2 - 1);
  const norm = Math.sqrt(raw.reduce((sum, x) => sum + x * x, 0)) || 1;
  return raw.map((x) => Math.fround(x / norm));
}

/** Embedding as the API's base64 encoding (little-endian float32), which the openai SDK requests by default. */
export function embeddingBase64(vector: number[]): string {
  const buffer = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => buffer.writeFloatLE(x, i * 4));
  return buffer.toString('base64');
}
