import type { InputProblem } from './spec-errors';

/**
 * The most a resolved spec may weigh as JSON. It travels once through Temporal (the job's start input and its
 * first step; everything after carries references, src/spec/job-settings.ts), where one payload may not pass
 * 2 MB and histories pass encoded and encrypted copies around; 256 KiB holds a prompt of ~60k tokens with its
 * schema. Bigger context belongs in the dataset's rows or a request builder on the worker.
 */
export const MAX_SPEC_BYTES = 256 * 1024;

/** A spec over MAX_SPEC_BYTES, named with its heaviest fields; undefined when it fits. */
export function specSizeProblem(spec: object, max = MAX_SPEC_BYTES): InputProblem | undefined {
  const bytes = jsonBytes(spec);
  if (bytes <= max) return undefined;
  const heaviest = Object.entries(spec)
    .map(([field, value]) => ({ field, bytes: jsonBytes(value) }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map((f) => `${f.field} ${kib(f.bytes)}`)
    .join(', ');
  return {
    path: '',
    message: `the spec is ${kib(bytes)} as JSON, over the ${kib(max)} a job may carry (heaviest: ${heaviest}); put long context in the dataset's rows or a request builder`,
  };
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

function kib(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KiB`;
}
