/**
 * What Anthropic's structured outputs (`output_config.format`, the beta `output_format`) refuse in a JSON
 * Schema, with the API's own wording: numeric and string bounds, array bounds other than `minItems` 0 or 1,
 * and objects whose `additionalProperties` is not explicitly `false`. The official SDKs move such constraints
 * into `description` (`transformJSONSchema`) before sending; a client that does not gets this 400.
 * Source: platform.claude.com/docs/en/build-with-claude/structured-outputs ("JSON Schema limitations") and
 * the 400 bodies users report, e.g. `output_config.format.schema: For 'integer' type, properties maximum,
 * minimum are not supported`.
 */

type Node = { [key: string]: unknown };

const UNSUPPORTED: Readonly<Record<string, readonly string[]>> = {
  integer: ['exclusiveMaximum', 'exclusiveMinimum', 'maximum', 'minimum', 'multipleOf'],
  number: ['exclusiveMaximum', 'exclusiveMinimum', 'maximum', 'minimum', 'multipleOf'],
  string: ['maxLength', 'minLength'],
  array: ['maxItems'],
};

/** Keywords whose values are schemas, and those whose values are maps or lists of schemas. */
const CHILD = ['items', 'not', 'additionalProperties'];
const CHILD_MAPS = ['properties', '$defs', 'definitions'];
const CHILD_LISTS = ['anyOf', 'oneOf', 'allOf', 'prefixItems'];

/** The first thing the API refuses in `schema` (depth first, in the API's words), or undefined. */
export function structuredOutputProblem(schema: unknown, depth = 0): string | undefined {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema) || depth > 64) return undefined;
  const node = schema as Node;
  const own = ownProblem(node);
  if (own) return own;
  const children = [
    ...CHILD.map((key) => node[key]),
    ...CHILD_MAPS.flatMap((key) => (node[key] && typeof node[key] === 'object' ? Object.values(node[key] as Node) : [])),
    ...CHILD_LISTS.flatMap((key) => (Array.isArray(node[key]) ? (node[key] as unknown[]) : [])),
  ];
  for (const child of children) {
    const problem = structuredOutputProblem(child, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

function ownProblem(node: Node): string | undefined {
  for (const type of typesOf(node)) {
    const present = (UNSUPPORTED[type] ?? []).filter((key) => key in node);
    if (present.length === 1) return `For '${type}' type, property '${present[0]}' is not supported`;
    if (present.length > 1) return `For '${type}' type, properties ${present.join(', ')} are not supported`;
    if (type === 'array' && 'minItems' in node && node.minItems !== 0 && node.minItems !== 1) {
      return "For 'array' type, 'minItems' values other than 0 or 1 are not supported";
    }
    // unset counts as allowed, which the API refuses as well
    if (type === 'object' && node.additionalProperties !== false) {
      return "For 'object' type, 'additionalProperties' must be explicitly set to false";
    }
  }
  return undefined;
}

function typesOf(node: Node): string[] {
  if (typeof node.type === 'string') return [node.type];
  return Array.isArray(node.type) ? node.type.filter((t): t is string => typeof t === 'string') : [];
}
