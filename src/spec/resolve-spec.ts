import { type z } from 'zod';
import { formatOfPath } from '../dataset/dataset-reader';
import { placeholderProblem } from '../dataset/prompt-template';
import { outputSchemaProblem } from '../results/output-validator';
import { taskVersionOf } from './ids';
import {
  JobSpecSchema,
  type Endpoint,
  type JobSpec,
  type ProviderName,
  type ResolvedJobSpec,
} from './job-spec';
import { InvalidSpecError, parseWith, type InputProblem } from './spec-errors';
import { specSizeProblem } from './spec-size';

const DEFAULT_ENDPOINT: Record<ProviderName, Endpoint> = {
  openai: '/v1/chat/completions',
  'azure-openai': '/v1/chat/completions',
  'openai-compatible': '/v1/chat/completions',
  anthropic: '/v1/messages',
};

const ENDPOINTS_OF: Record<ProviderName, readonly Endpoint[]> = {
  openai: ['/v1/chat/completions', '/v1/responses', '/v1/embeddings'],
  'azure-openai': ['/v1/chat/completions', '/v1/responses', '/v1/embeddings'],
  'openai-compatible': ['/v1/chat/completions', '/v1/responses', '/v1/embeddings'],
  anthropic: ['/v1/messages'],
};

/**
 * Fields a reprocess may change. The dataset and job id stay: a generation is the same items again.
 */
export const JobSpecChangesSchema = JobSpecSchema.omit({ jobId: true, dataset: true }).partial().strict();
export type JobSpecChanges = z.input<typeof JobSpecChangesSchema>;

/**
 * Settles a parsed spec into what the workflows carry: endpoint defaulted and checked against the
 * provider, dataset format from the extension, placeholders and the output schema checked, taskVersion
 * computed. Inline rows must have been written to storage by the client first (`dataset.path` = `blob:<key>`).
 * Both the client (at start) and the worker (applying reprocess changes) run it.
 * @throws InvalidSpecError naming the field.
 */
export function resolveSpec(spec: JobSpec, jobId: string): ResolvedJobSpec {
  if (!('path' in spec.dataset)) throw new InvalidSpecError([{ path: 'dataset.rows', message: 'inline rows must be stored before the job starts' }]);
  const endpoint = spec.endpoint ?? DEFAULT_ENDPOINT[spec.provider];
  if (!ENDPOINTS_OF[spec.provider].includes(endpoint)) {
    throw new InvalidSpecError([{ path: 'endpoint', message: `${spec.provider} does not serve ${endpoint} (it serves ${ENDPOINTS_OF[spec.provider].join(', ')})` }]);
  }
  const format = spec.dataset.format ?? formatOfPath(spec.dataset.path);
  if (!format) throw new InvalidSpecError([{ path: 'dataset.format', message: `cannot tell the format of ${spec.dataset.path}: use .jsonl or .csv, or set dataset.format` }]);
  if ('input' in spec.prompt && endpoint !== '/v1/embeddings') {
    throw new InvalidSpecError([{ path: 'prompt', message: 'a single `input` template is for /v1/embeddings; use `messages` for chat' }]);
  }
  if (endpoint === '/v1/embeddings' && spec.outputSchema) {
    throw new InvalidSpecError([{ path: 'outputSchema', message: 'embeddings have no structured output' }]);
  }
  const problems = [...templateProblems(spec.prompt), ...schemaProblems(spec.outputSchema)];
  if (problems.length > 0) throw new InvalidSpecError(problems);
  const { dataset: _dataset, jobId: _jobId, endpoint: _endpoint, ...rest } = spec;
  const resolved: ResolvedJobSpec = {
    ...rest,
    jobId,
    endpoint,
    dataset: { path: spec.dataset.path, format, ...(spec.dataset.idField ? { idField: spec.dataset.idField } : {}) },
    taskVersion: taskVersionOf({ ...spec, endpoint }),
  };
  const tooBig = specSizeProblem(resolved);
  if (tooBig) throw new InvalidSpecError([tooBig]);
  return resolved;
}

/** Placeholders that would reach the model as text (unclosed, or not a field name), each with its template's path. */
function templateProblems(prompt: JobSpec['prompt']): InputProblem[] {
  const templates =
    'messages' in prompt ? prompt.messages.map((m, i) => ({ path: `prompt.messages[${i}].content`, text: m.content })) : 'input' in prompt ? [{ path: 'prompt.input', text: prompt.input }] : [];
  return templates.flatMap(({ path, text }) => {
    const message = placeholderProblem(text);
    return message ? [{ path, message }] : [];
  });
}

/** An output schema that does not compile (so no answer could be validated): Ajv's reason, one line. */
function schemaProblems(outputSchema: JobSpec['outputSchema']): InputProblem[] {
  const message = outputSchema ? outputSchemaProblem(outputSchema.schema) : undefined;
  return message ? [{ path: 'outputSchema.schema', message }] : [];
}

/** Applies reprocess changes to a resolved spec and recomputes its taskVersion. */
export function applySpecChanges(spec: ResolvedJobSpec, changes: JobSpecChanges | undefined): ResolvedJobSpec {
  if (!changes || Object.keys(changes).length === 0) return spec;
  const parsedChanges = parseWith(JobSpecChangesSchema, changes, 'reprocess changes');
  const { taskVersion: _tv, storage: _storage, endpoint, ...base } = spec;
  const explicit = Object.fromEntries(Object.keys(changes).map((k) => [k, (parsedChanges as Record<string, unknown>)[k]]));
  const merged = parseWith(JobSpecSchema, { ...base, endpoint, ...explicit }, 'job spec');
  return resolveSpec(merged, spec.jobId);
}

