import { hashHex, pick, seededSequence } from '../hashing';
import { schemaInPrompt } from './prompt-schema';
import { answerForSchema, type JsonSchema } from './schema-answer';
import { estimateTokens, summarize, textFeatures } from './text-features';

/** How a scenario may spoil a schema-constrained answer. */
export type SchemaBreak = 'invalid_json' | 'missing_required';

/** One model call, reduced to what the deterministic model reads. */
export interface ModelCall {
  /** Prompt text every item of a job shares: system, developer and instructions text, assistant turns. */
  instructions?: string | undefined;
  /** The item's own text: the user turns, which answers are about. */
  content: string;
  /** The request body: hashed so that the same request (as serialized) gets the same answer. */
  body: unknown;
  /** JSON schema the answer must satisfy, if the request asked for one. */
  schema?: JsonSchema | undefined;
  /** JSON mode (`json_object`): the answer is a JSON object. */
  jsonMode?: boolean | undefined;
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

/** A plain answer is one line: the item's summary, cut at a word. */
const PLAIN_ANSWER_CHARS = 200;

/** The object a JSON-mode answer has when the prompt states no schema. */
const JSON_MODE_SCHEMA: JsonSchema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };

/**
 * The deterministic model: the answer is a pure function of the request body, written from the item's own
 * text (`content`; the whole prompt when that is empty). The schema is the request's, else one the prompt
 * states in its text when it asks for JSON (JSON mode, or the word "json" anywhere in the prompt), else
 * JSON_MODE_SCHEMA in JSON mode. With a schema the answer is JSON valid against it (unless `breakSchema`),
 * otherwise a one-line summary of the item's text (at most PLAIN_ANSWER_CHARS), cut at `maxOutputTokens`.
 */
export function answer(call: ModelCall): ModelAnswer {
  // as serialized, not canonicalized: sorting every key of every request (schema included) is a large share of
  // the emulator's time, and a client sends the same request the same way
  const bodyKey = JSON.stringify(call.body);
  const instructions = call.instructions ?? '';
  const promptTokens = estimateTokens(instructions) + estimateTokens(call.content) + 7;
  const { schema, content } = answerSchema(call, instructions);
  const features = textFeatures(content.trim() ? content : `${instructions}\n${content}`, bodyKey);
  if (schema) {
    let json: unknown = answerForSchema(schema, features);
    let text = JSON.stringify(json);
    if (call.breakSchema) ({ json, text } = spoil(json, schema, features.hash));
    return { text, json, promptTokens, completionTokens: estimateTokens(text), truncated: false };
  }
  let text = summarize(features, PLAIN_ANSWER_CHARS);
  const limit = call.maxOutputTokens;
  const truncated = limit !== undefined && estimateTokens(text) > limit;
  if (truncated) text = text.slice(0, limit * 4);
  return { text, promptTokens, completionTokens: estimateTokens(text), truncated };
}

/**
 * The schema the answer follows and the item text it is written from: a schema stated in the user turns is
 * taken out of the text it is about.
 */
function answerSchema(call: ModelCall, instructions: string): { schema?: JsonSchema; content: string } {
  const { content } = call;
  if (call.schema) return { schema: call.schema, content };
  if (!call.jsonMode && !/json/i.test(instructions) && !/json/i.test(content)) return { content };
  const inInstructions = schemaInPrompt(instructions);
  const inContent = schemaInPrompt(content);
  if (inContent && (!inInstructions || inContent.source.length > inInstructions.source.length)) {
    return { schema: inContent.schema, content: content.replace(inContent.source, ' ') };
  }
  if (inInstructions) return { schema: inInstructions.schema, content };
  return call.jsonMode ? { schema: JSON_MODE_SCHEMA, content } : { content };
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
