import { hashHex, pick, unitDraw } from '../hashing';
import { normalizeKey } from './content-summary';
import { chooseLabel, urgencyOf } from './label-hints';
import { someKeywords, summarize, titleOf, type TextFeatures } from './text-features';

/** A JSON Schema node as far as the emulator reads one. */
export type JsonSchema = { [key: string]: unknown };

const SUMMARY_NAMES = /summary|description|reason|explanation|rationale|text|answer|comment|justification/i;
const TITLE_NAMES = /name|title|label|topic|subject|category/i;
const URGENCY_NAMES = /urgency|priority|severity|importance|impact/i;
/** Summaries longer than this read as essays; a schema's maxLength may cut them shorter. */
const SUMMARY_CHARS = 240;

interface Walk {
  root: JsonSchema;
  features: TextFeatures;
  path: string;
  name: string;
  depth: number;
}

/**
 * A value valid against `schema`, derived from the item's text: enum values are the labels a reader would
 * pick (named in the text, or hinted by its words: see chooseLabel), a string property named like one of the
 * text's `Key: value` fields takes its value, summaries and titles are built from the text's own sentences
 * and fields, urgency-like numbers follow its pressing words; other numbers and array lengths are drawn from
 * the request hash within the schema's bounds. Supports type (incl. unions with null),
 * object/properties/required, array/items/minItems/maxItems, string enum/const/format/minLength/maxLength,
 * number/integer minimum/maximum, anyOf/oneOf (first), allOf (merged) and local $ref; bounds stated in a
 * `description` the way the official SDKs move them there (`{minimum: 1, maximum: 5}`) count as the
 * keywords. `pattern` is not honoured.
 */
export function answerForSchema(schema: JsonSchema, features: TextFeatures): unknown {
  return walk(schema, { root: schema, features, path: '$', name: '', depth: 0 });
}

function walk(input: JsonSchema, at: Walk): unknown {
  const node = resolve(input, at.root);
  if ('const' in node) return node.const;
  if (Array.isArray(node.enum) && node.enum.length) return pickEnum(node.enum, at);
  const alternatives = (node.anyOf ?? node.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length) {
    const first = alternatives.find((alt) => resolve(alt, at.root).type !== 'null') ?? alternatives[0] as JsonSchema;
    return walk(first, at);
  }
  if (Array.isArray(node.allOf)) return walk(mergeAll(node, at.root), at);
  switch (typeOf(node)) {
    case 'object': return objectValue(node, at);
    case 'array': return arrayValue(node, at);
    case 'integer': return numberValue(node, at, true);
    case 'number': return numberValue(node, at, false);
    case 'boolean': return at.features.lower.includes(at.name.toLowerCase()) && at.name.length > 2 ? true : unitDraw(at.features.hash, at.path) < 0.5;
    case 'null': return null;
    default: return stringValue(node, at);
  }
}

function resolve(node: JsonSchema, root: JsonSchema): JsonSchema {
  let current = node;
  for (let hops = 0; typeof current.$ref === 'string' && hops < 32; hops += 1) {
    const target = current.$ref === '#' ? root : (current.$ref as string).replace(/^#\//, '').split('/')
      .reduce<unknown>((value, key) => (value as JsonSchema | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], root);
    if (!target || typeof target !== 'object') return {};
    current = target as JsonSchema;
  }
  return withDescribedBounds(current);
}

const DESCRIBED_BOUND = /^(minimum|maximum|exclusiveMinimum|exclusiveMaximum|minLength|maxLength|minItems|maxItems|format|multipleOf)$/;

/**
 * The node with the bounds its description states, in the official SDKs' notation for constraints a
 * provider's structured outputs refuse (Anthropic's: `{minimum: 1, maximum: 5}` at the end of the
 * description): a model reads them there, so the emulator honours them. Keywords the node has win.
 */
function withDescribedBounds(node: JsonSchema): JsonSchema {
  const description = node.description;
  if (typeof description !== 'string' || !description.endsWith('}')) return node;
  const open = description.lastIndexOf('{');
  let stated: unknown;
  try {
    stated = JSON.parse(description.slice(open).replace(/([{,]\s*)([A-Za-z]+):/g, '$1"$2":'));
  } catch {
    return node;
  }
  if (!stated || typeof stated !== 'object' || Array.isArray(stated)) return node;
  const bounds = Object.entries(stated as Record<string, unknown>).filter(([key]) => DESCRIBED_BOUND.test(key) && !(key in node));
  return bounds.length ? { ...node, ...Object.fromEntries(bounds) } : node;
}

function typeOf(node: JsonSchema): string {
  const type = node.type;
  if (Array.isArray(type)) return (type.find((t) => t !== 'null') ?? 'null') as string;
  if (typeof type === 'string') return type;
  if (node.properties) return 'object';
  if (node.items) return 'array';
  return 'string';
}

function mergeAll(node: JsonSchema, root: JsonSchema): JsonSchema {
  const merged: JsonSchema = { ...node, allOf: undefined, properties: { ...(node.properties as object) }, required: [...((node.required as string[]) ?? [])] };
  for (const part of (node.allOf as JsonSchema[]).map((p) => resolve(p, root))) {
    Object.assign(merged.properties as object, part.properties ?? {});
    (merged.required as string[]).push(...((part.required as string[]) ?? []));
    if (part.type && !merged.type) merged.type = part.type;
  }
  return merged;
}

function pickEnum(values: unknown[], at: Walk): unknown {
  return chooseLabel(values, at.features.lower, at.features.hash, at.path);
}

function objectValue(node: JsonSchema, at: Walk): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
  for (const [name, child] of Object.entries(properties)) {
    result[name] = walk(child, { ...at, path: `${at.path}.${name}`, name, depth: at.depth + 1 });
  }
  return result;
}

function arrayValue(node: JsonSchema, at: Walk): unknown[] {
  const min = typeof node.minItems === 'number' ? node.minItems : 1;
  const max = typeof node.maxItems === 'number' ? node.maxItems : Math.max(min, 3);
  const span = Math.max(0, Math.min(max, min + 3) - min);
  let length = min + pick(span + 1, at.features.hash, at.path, 'length');
  const items = (Array.isArray(node.prefixItems) ? undefined : node.items) as JsonSchema | undefined;
  const itemEnum = items ? resolve(items, at.root).enum : undefined;
  if (node.uniqueItems && Array.isArray(itemEnum)) {
    length = Math.min(length, itemEnum.length);
    const start = pick(itemEnum.length, at.features.hash, at.path);
    return Array.from({ length }, (_, i) => itemEnum[(start + i) % itemEnum.length]);
  }
  const prefix = (Array.isArray(node.prefixItems) ? node.prefixItems : []) as JsonSchema[];
  length = Math.max(length, prefix.length);
  return Array.from({ length }, (_, i) =>
    walk(prefix[i] ?? items ?? {}, { ...at, path: `${at.path}[${i}]`, depth: at.depth + 1 }));
}

function numberValue(node: JsonSchema, at: Walk, integer: boolean): number {
  const exclusiveMin = typeof node.exclusiveMinimum === 'number' ? node.exclusiveMinimum : undefined;
  const exclusiveMax = typeof node.exclusiveMaximum === 'number' ? node.exclusiveMaximum : undefined;
  let low = typeof node.minimum === 'number' ? node.minimum : exclusiveMin ?? undefined;
  let high = typeof node.maximum === 'number' ? node.maximum : exclusiveMax ?? undefined;
  // an urgency follows the text's pressing words (see urgencyOf); other numbers are drawn from the request
  const urgency = URGENCY_NAMES.test(at.name);
  if (low === undefined && high === undefined) [low, high] = urgency ? [1, 5] : /score|rating|confidence|probability/i.test(at.name) ? [0, 1] : [0, 100];
  low ??= (high as number) - 100;
  high ??= low + 100;
  const draw = urgency ? urgencyOf(at.features.lower) : unitDraw(at.features.hash, at.path);
  if (integer) {
    const lo = Math.ceil(exclusiveMin === low ? low + 1e-9 : low);
    const hi = Math.floor(exclusiveMax === high ? high - 1e-9 : high);
    if (hi < lo) return lo;
    return urgency ? lo + Math.round(draw * (hi - lo)) : lo + Math.floor(draw * (hi - lo + 1));
  }
  const value = Math.round((low + draw * (high - low)) * 100) / 100;
  if ((exclusiveMin !== undefined && value <= exclusiveMin) || value < low) return low + (high - low) / 2;
  if ((exclusiveMax !== undefined && value >= exclusiveMax) || value > high) return low + (high - low) / 2;
  return value;
}

function stringValue(node: JsonSchema, at: Walk): string {
  const { features } = at;
  const seedText = hashHex(features.hash, at.path);
  const min = typeof node.minLength === 'number' ? node.minLength : 0;
  const max = typeof node.maxLength === 'number' ? node.maxLength : Infinity;
  let text: string;
  switch (node.format) {
    case 'date': text = dateOf(seedText).slice(0, 10); break;
    case 'date-time': text = dateOf(seedText); break;
    case 'time': text = dateOf(seedText).slice(11, 19); break;
    case 'email': text = `${someKeywords(features, 1, at.path)[0] ?? 'user'}@example.com`.replace(/[^a-z0-9@.-]/gi, ''); break;
    case 'uri': case 'url': text = `https://example.com/${someKeywords(features, 2, at.path).join('-')}`.replace(/[^a-z0-9:/.-]/gi, ''); break;
    case 'uuid': text = `${seedText.slice(0, 8)}-${seedText.slice(8, 12)}-4${seedText.slice(13, 16)}-a${seedText.slice(17, 20)}-${seedText.slice(20, 32)}`; break;
    default:
      text = fieldNamed(features, at.name)
        ?? (TITLE_NAMES.test(at.name) ? titleOf(features, at.path)
          : SUMMARY_NAMES.test(at.name) || at.depth <= 1 ? summarize(features, Math.min(SUMMARY_CHARS, max), at.path)
            : someKeywords(features, 3, at.path).join(' '));
  }
  while (text.length < min) text += ` ${features.keywords[text.length % Math.max(1, features.keywords.length)] ?? 'text'}`;
  return text.length > max ? text.slice(0, max) : text;
}

/** The value of the text's field named like the property (`customer` <- `Customer: Chloe at Northwind`). */
function fieldNamed(features: TextFeatures, name: string): string | undefined {
  if (!name) return undefined;
  const key = normalizeKey(name);
  return features.parts.fields.find((field) => field.key === key)?.value;
}

function dateOf(seedText: string): string {
  const start = Date.UTC(2020, 0, 1);
  const offset = parseInt(seedText.slice(0, 8), 16) % (6 * 365 * 86_400);
  return new Date(start + offset * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
