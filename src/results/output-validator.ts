import Ajv, { type ValidateFunction } from 'ajv';
import type { OutputSchema } from '../spec/job-spec';
import type { ParsedAnswer } from '../providers/batch-provider';

/**
 * A checked answer. `json` is the answer's own JSON text when it came as text that can be stored as it is (one
 * line): the store then keeps that text instead of serializing `output` again.
 */
export type Validation = { ok: true; output: unknown; json?: string } | { ok: false; message: string };

/**
 * Checks every answer against the job's output schema (JSON Schema, compiled once per validator).
 * Without a schema an answer is valid when it is not empty. Messages are short and name the field, so a
 * repair round can hand them back to the model.
 */
export class OutputValidator {
  private readonly check: ValidateFunction | undefined;

  /** @throws Error (Ajv's) when the schema is not a valid JSON Schema; resolveSpec refuses such specs first. */
  constructor(schema: OutputSchema | undefined) {
    if (schema) this.check = compileOutputSchema(schema.schema);
  }

  validate(answer: ParsedAnswer): Validation {
    const { output } = answer;
    if (!this.check) {
      const empty = output === undefined || output === null || output === '' || (Array.isArray(output) && output.length === 0);
      return empty ? { ok: false, message: 'empty answer' } : { ok: true, output };
    }
    let value = output;
    if (typeof output === 'string') {
      try {
        value = JSON.parse(output);
      } catch {
        return { ok: false, message: `answer is not valid JSON: ${truncate(output, 120)}` };
      }
    }
    if (value === undefined) return { ok: false, message: 'empty answer' };
    if (this.check(value)) {
      return typeof output === 'string' && !output.includes('\n') && !output.includes('\r') ? { ok: true, output: value, json: output } : { ok: true, output: value };
    }
    const error = this.check.errors?.[0];
    const where = error?.instancePath ? `output${error.instancePath.replace(/\//g, '.')}` : 'output';
    return { ok: false, message: `${where} ${error?.message ?? 'does not match the schema'}` };
  }
}

/** The one way an output schema is compiled (checked against its meta-schema first). @throws Error from Ajv */
function compileOutputSchema(schema: Record<string, unknown>): ValidateFunction {
  const ajv = new Ajv({ allErrors: false, strict: false, validateFormats: false });
  return ajv.compile(schema);
}

/**
 * Why a JSON Schema cannot check answers, in one line (Ajv's message: `schema is invalid: data/type must be
 * equal to one of the allowed values, ...`), or undefined when it compiles as OutputValidator compiles it.
 * Run when a spec is resolved, so a job whose answers could never be validated is refused before anything is
 * sent.
 */
export function outputSchemaProblem(schema: Record<string, unknown>): string | undefined {
  try {
    compileOutputSchema(schema);
    return undefined;
  } catch (err) {
    return ((err as Error).message || String(err)).replace(/\s*\n\s*/g, ' ').trim();
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
