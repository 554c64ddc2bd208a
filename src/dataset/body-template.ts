import type { RenderedPrompt } from '../providers/batch-provider';
import { lookup, valueText, type CompiledTemplate } from './prompt-template';

/**
 * A request body compiled once per job into JSON text with holes: each placeholder of the prompt becomes a
 * hole in the provider's serialized body, so rendering a row is string concatenation plus JSON escaping of
 * its values. The constant parts (model, parameters, the output schema) are serialized once, not per row.
 * The provider's own buildBody defines the body: it is called once with sentinel values, and the result is
 * checked against the slow path on the first row (see createRequestRenderer).
 */
export interface BodyTemplate {
  /** The compiled template as plain data (render threads receive it). */
  plan: BodyPlan;
  /** The body JSON for a row. @throws MissingFieldError */
  render(row: Record<string, unknown>): RenderedBody;
}

export interface RenderedBody {
  bodyJson: string;
  promptChars: number;
  values: string[];
}

type Hole = { path: string[]; name: string; where: string };

/** A body as JSON text with holes: literal, hole, literal, ..., literal; `order[i]` is the hole after literal i. */
export interface BodyPlan {
  literals: string[];
  order: number[];
  holes: Hole[];
  literalChars: number;
  messageCount: number;
}

const SENTINEL = /\uF8FFlh(\d+)\uF8FF/;

function sentinel(index: number): string {
  return `\uF8FFlh${index}\uF8FF`;
}

/**
 * Compiles message templates (or a single input template) into a body template, or returns undefined when
 * the provider's body does not carry the prompt text verbatim (then the caller renders rows the slow way).
 */
export function compileBodyTemplate(
  templates: ReadonlyArray<{ role?: string; template: CompiledTemplate; where: string }>,
  build: (prompt: RenderedPrompt) => Record<string, unknown>,
  kind: 'messages' | 'input',
): BodyTemplate | undefined {
  const holes: Hole[] = [];
  let literalChars = 0;
  const contents = templates.map(({ template, where }) =>
    template.parts
      .map((part) => {
        if ('text' in part) {
          literalChars += part.text.length;
          return part.text;
        }
        holes.push({ path: part.path, name: part.name, where });
        return sentinel(holes.length - 1);
      })
      .join(''),
  );
  const prompt: RenderedPrompt =
    kind === 'input'
      ? { input: contents[0] ?? '' }
      : { messages: templates.map((t, i) => ({ role: (t.role ?? 'user') as 'user', content: contents[i]! })) };
  const json = JSON.stringify(build(prompt));
  const pieces = json.split(SENTINEL);
  // split with a capture group alternates literal, hole index, literal, ...
  const literals: string[] = [];
  const order: number[] = [];
  for (let i = 0; i < pieces.length; i++) {
    if (i % 2 === 0) literals.push(pieces[i]!);
    else order.push(Number(pieces[i]));
  }
  if (order.length !== holes.length || new Set(order).size !== holes.length) return undefined;
  const plan: BodyPlan = { literals, order, holes, literalChars, messageCount: templates.length };
  return { plan, render: (row) => renderBody(plan, row) };
}

/** A row's values for a plan's holes, in hole order. @throws MissingFieldError */
export function holeValues(plan: BodyPlan, row: Record<string, unknown>): string[] {
  return plan.holes.map((hole) => valueText(lookup(row, hole, hole.where)));
}

/** Fills a plan's holes from a row. @throws MissingFieldError */
export function renderBody(plan: BodyPlan, row: Record<string, unknown>): RenderedBody {
  const { literals, order } = plan;
  const values = holeValues(plan, row);
  let bodyJson = literals[0]!;
  let promptChars = plan.literalChars;
  for (let i = 0; i < order.length; i++) {
    const value = values[order[i]!]!;
    promptChars += value.length;
    bodyJson += escapeJsonText(value) + literals[i + 1]!;
  }
  return { bodyJson, promptChars, values };
}

/**
 * What distinguishes a templated request from others of the same task version (hashed into its request key):
 * its values, length-prefixed so no two value lists read alike.
 */
export function identityOfValues(values: readonly string[]): string {
  let identity = 'values:';
  for (const value of values) identity += `${value.length}:${value}`;
  return identity;
}

const NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/;

/** A string's JSON form without its quotes; most values need no escaping and are returned as they are. */
export function escapeJsonText(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value).slice(1, -1) : value;
}
