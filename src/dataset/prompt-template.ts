/**
 * `{{field}}` templates, compiled once per job and rendered per row. Dots reach nested fields
 * (`{{customer.name}}`); strings render as they are, other values as JSON, null as an empty string.
 */

export type TemplatePart = { text: string } | { path: string[]; name: string };

export class MissingFieldError extends Error {
  override readonly name = 'MissingFieldError';
  constructor(
    readonly field: string,
    readonly where: string,
  ) {
    super(`missing field "${field}" (used in ${where})`);
  }
}

export interface CompiledTemplate {
  readonly fields: readonly string[];
  readonly parts: readonly TemplatePart[];
  render(row: Record<string, unknown>): string;
}

const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}/g;

/** Compiles a template; `where` names it in errors (e.g. `prompt.messages[1].content`). */
export function compileTemplate(template: string, where: string): CompiledTemplate {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push({ text: template.slice(last, match.index) });
    const name = match[1]!;
    parts.push({ name, path: name.split('.') });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  const fields = parts.flatMap((p) => ('name' in p ? [p.name] : []));
  if (fields.length === 0) return { fields, parts, render: () => template };
  return {
    fields,
    parts,
    render(row) {
      let out = '';
      for (const part of parts) out += 'text' in part ? part.text : valueText(lookup(row, part, where));
      return out;
    },
  };
}

/**
 * What is wrong with a template's placeholders, or undefined when nothing is: a `{{` that does not start a
 * `{{field}}` placeholder (unclosed, or not a field name: empty, spaces or braces inside) would otherwise reach
 * the model literally. Positions are 1-based characters. Checked when a spec is resolved (resolveSpec).
 */
export function placeholderProblem(template: string): string | undefined {
  let last = 0;
  for (const match of [...template.matchAll(PLACEHOLDER), undefined]) {
    const end = match ? match.index : template.length;
    const open = template.indexOf('{{', last);
    // a `{` just before a placeholder (`{{{name}}}`) is text; a `{{` wholly between placeholders is not
    if (open >= 0 && open + 2 <= end) return describeBadPlaceholder(template, open);
    if (match) last = match.index + match[0].length;
  }
  return undefined;
}

function describeBadPlaceholder(template: string, open: number): string {
  const close = template.indexOf('}}', open + 2);
  const nextOpen = template.indexOf('{{', open + 2);
  const closed = close >= 0 && (nextOpen < 0 || close < nextOpen) && !template.slice(open, close).includes('\n');
  if (closed) return `placeholder "${clip(template.slice(open, close + 2))}" at character ${open + 1} is not a field name (write {{field}} or {{a.b}}, without spaces inside)`;
  const opened = /^\{\{\s*[^\s{}]*/.exec(template.slice(open, open + 80))![0];
  return `unclosed placeholder "${clip(opened)}" at character ${open + 1}`;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** The value a placeholder names in a row. @throws MissingFieldError */
export function lookup(row: Record<string, unknown>, part: { path: string[]; name: string }, where: string): unknown {
  let value: unknown = row;
  for (const key of part.path) {
    if (value === null || typeof value !== 'object' || !(key in value)) throw new MissingFieldError(part.name, where);
    value = (value as Record<string, unknown>)[key];
  }
  if (value === undefined) throw new MissingFieldError(part.name, where);
  return value;
}

/** How a value reads inside a prompt. */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
