import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InvalidSpecError } from '../spec/spec-errors';
import type { StartSpec } from './start-spec';

/**
 * Reads a job spec from a JSON or YAML file. Relative paths inside it (dataset, output schema file, output
 * dir) are relative to the file's folder, returned as `baseDir` for client.start.
 * @throws InvalidSpecError naming the file when it is missing or does not parse.
 */
export function loadSpecFile(file: string): { spec: StartSpec; baseDir: string } {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch {
    throw new InvalidSpecError([{ path: '', message: `no such spec file: ${absolute}` }], file);
  }
  let spec: unknown;
  try {
    spec = /\.ya?ml$/i.test(absolute) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new InvalidSpecError([{ path: '', message: `not valid ${/\.ya?ml$/i.test(absolute) ? 'YAML' : 'JSON'}: ${(err as Error).message}` }], file);
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new InvalidSpecError([{ path: '', message: 'a job spec is an object' }], file);
  }
  return { spec: spec as StartSpec, baseDir: path.dirname(absolute) };
}
