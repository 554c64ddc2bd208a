import type { z } from 'zod';

/** One problem in user input: where (a dotted path, a file and line) and what. */
export interface InputProblem {
  path: string;
  message: string;
}

/** A spec (or other boundary input) that failed its schema; the message lists every problem with its path. */
export class InvalidSpecError extends Error {
  override readonly name = 'InvalidSpecError';
  constructor(
    readonly problems: InputProblem[],
    readonly source = 'job spec',
  ) {
    super(`invalid ${source}: ${problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ')}`);
  }
}

/** Turns zod issues into path + reason pairs (`limits.shardsInFlight: Too small: expected number to be >0`). */
export function problemsOf(error: z.ZodError): InputProblem[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '['),
    message: issue.message,
  }));
}

/** Parses with a schema, throwing InvalidSpecError that names every bad field. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, source?: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new InvalidSpecError(problemsOf(result.error), source);
  return result.data;
}
