import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { BLOB_PATH_PREFIX, datasetHasItems, noItemsMessage, S3_URL_PREFIX } from '../dataset/dataset-reader';
import { uploadDataset } from './dataset-upload';
import type { JobSpecInput, OutputSchema } from '../spec/job-spec';
import { JobSpecSchema, type ResolvedJobSpec } from '../spec/job-spec';
import { resolveSpec } from '../spec/resolve-spec';
import { InvalidSpecError, parseWith } from '../spec/spec-errors';
import type { BlobStore } from '../storage/blob-store';
import { jobLayout } from '../storage/job-layout';

/**
 * What `client.start()` accepts: a JobSpec, where the output schema may also be a zod schema (converted to
 * JSON Schema) or `{ file }` (a JSON Schema file), and the dataset may be inline rows.
 */
export type StartSpec = Omit<JobSpecInput, 'outputSchema'> & {
  outputSchema?: JobSpecInput['outputSchema'] | z.ZodType | { file: string; name?: string };
};

function isZod(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

function outputSchemaOf(input: StartSpec['outputSchema'], baseDir: string): OutputSchema | undefined {
  if (input === undefined) return undefined;
  if (isZod(input)) return { name: 'output', schema: z.toJSONSchema(input, { target: 'draft-7' }) as Record<string, unknown> };
  if ('file' in input && typeof input.file === 'string') {
    const file = path.resolve(baseDir, input.file);
    if (!existsSync(file)) throw new InvalidSpecError([{ path: 'outputSchema.file', message: `no such file: ${file}` }]);
    try {
      const fromFile = path.basename(file).replace(/\.(schema\.)?json$/i, '').replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
      return { name: input.name ?? (fromFile || 'output'), schema: JSON.parse(readFileSync(file, 'utf8')) };
    } catch (err) {
      throw new InvalidSpecError([{ path: 'outputSchema.file', message: `${file} is not valid JSON: ${(err as Error).message}` }]);
    }
  }
  return input as OutputSchema;
}

/** A readable, sortable job id: `job-20261128-221530-k3f9`. */
export function newJobId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `job-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

/**
 * Turns what a user passed into a resolved spec: job id assigned, output schema converted, relative paths
 * made absolute (workers may run elsewhere), inline rows written to storage, a local dataset uploaded to the
 * blob store when that is an object store (by content hash: once), `s3://` datasets left to be read in place,
 * everything validated. The
 * dataset is read up to its first item, so an empty one is refused here rather than by a worker.
 * @throws InvalidSpecError naming the field; on `dataset.path` for a dataset file that is missing, a
 * directory or without items.
 */
export async function prepareStartSpec(input: StartSpec, blobs: BlobStore, baseDir = process.cwd()): Promise<ResolvedJobSpec> {
  const raw = { ...input, outputSchema: outputSchemaOf(input.outputSchema, baseDir) };
  if (raw.outputSchema === undefined) delete raw.outputSchema;
  const spec = parseWith(JobSpecSchema, raw);
  const jobId = spec.jobId ?? newJobId();
  let dataset = spec.dataset;
  if ('rows' in dataset) {
    const key = jobLayout.inlineDataset(jobId);
    const writer = blobs.createWriter(key);
    for (const row of dataset.rows) await writer.write(JSON.stringify(row) + '\n');
    await writer.close();
    dataset = { path: `${BLOB_PATH_PREFIX}${key}`, format: 'jsonl', ...(dataset.idField ? { idField: dataset.idField } : {}) };
  } else if (!dataset.path.startsWith(BLOB_PATH_PREFIX) && !dataset.path.startsWith(S3_URL_PREFIX)) {
    const file = path.resolve(baseDir, dataset.path);
    checkDatasetFile(file);
    // workers elsewhere cannot read this machine's files: with an object store they read an uploaded copy
    dataset = { ...dataset, path: blobs.local ? file : await uploadDataset(file, blobs) };
  }
  const output = spec.output.dir ? { ...spec.output, dir: path.resolve(baseDir, spec.output.dir) } : spec.output;
  const resolved = resolveSpec({ ...spec, dataset, output }, jobId);
  if (!(await datasetHasItems(resolved.dataset, blobs))) {
    throw new InvalidSpecError([{ path: 'dataset.path', message: noItemsMessage(resolved.dataset.path) }]);
  }
  return resolved;
}

/** A dataset path must name a file. @throws InvalidSpecError on `dataset.path` */
function checkDatasetFile(file: string): void {
  if (!existsSync(file)) throw new InvalidSpecError([{ path: 'dataset.path', message: `no such file: ${file}` }]);
  if (statSync(file).isDirectory()) throw new InvalidSpecError([{ path: 'dataset.path', message: `${file} is a directory, not a file` }]);
}
