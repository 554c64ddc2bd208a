import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSpecFile } from '../client/spec-file';
import { JobSpecChangesSchema, type JobSpecChanges } from '../spec/resolve-spec';
import { InvalidSpecError, parseWith } from '../spec/spec-errors';

/**
 * Reads a partial spec of changes for `reprocess --spec FILE` (JSON or YAML): any job spec field but the job
 * id and the dataset. As in a spec file, `outputSchema: { file }` names a JSON Schema file relative to it.
 * Validated here, before anything is sent, so a typo fails with the field named instead of failing the job.
 * @throws InvalidSpecError naming the file or the field.
 */
export function loadSpecChanges(file: string): JobSpecChanges {
  const { spec, baseDir } = loadSpecFile(file);
  const raw = { ...spec } as Record<string, unknown>;
  const schema = raw.outputSchema as { file?: unknown; name?: unknown } | undefined;
  if (schema && typeof schema.file === 'string') {
    const schemaFile = path.resolve(baseDir, schema.file);
    if (!existsSync(schemaFile)) throw new InvalidSpecError([{ path: 'outputSchema.file', message: `no such file: ${schemaFile}` }], 'reprocess changes');
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(schemaFile, 'utf8'));
    } catch (err) {
      throw new InvalidSpecError([{ path: 'outputSchema.file', message: `${schemaFile} is not valid JSON: ${(err as Error).message}` }], 'reprocess changes');
    }
    const name = typeof schema.name === 'string' ? schema.name : path.basename(schemaFile).replace(/\.(schema\.)?json$/i, '').replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || 'output';
    raw.outputSchema = { name, schema: parsed };
  }
  parseWith(JobSpecChangesSchema, raw, 'reprocess changes');
  return raw as JobSpecChanges;
}
