import { loadSpecFile } from '../client/spec-file';
import type { StartSpec } from '../client/start-spec';
import { CliError, type CliContext, type CliOptions } from './cli-command';
import { stringFlag } from './cli-flags';

/** Flags that describe a job without a spec file (`run`, `plan`), plus the ones that may override a spec file. */
export const SPEC_OPTIONS: CliOptions = {
  input: { type: 'string' },
  model: { type: 'string' },
  prompt: { type: 'string' },
  system: { type: 'string' },
  schema: { type: 'string' },
  'id-field': { type: 'string' },
  provider: { type: 'string' },
  mode: { type: 'string' },
  'job-id': { type: 'string' },
};

export const SPEC_HELP = [
  'The job: a SPEC file (JSON or YAML; its relative paths are relative to the file), or these flags:',
  '  --input FILE          dataset, JSONL or CSV (streamed)',
  '  --model M             model name, e.g. gpt-4o-mini',
  '  --prompt TEXT         user message template; {{field}} inserts a field of the row',
  '  --system TEXT         system message',
  '  --schema FILE         JSON Schema file for structured output (checked on every answer)',
  '  --id-field F          field that identifies an item (default: a hash of the row)',
  '  --provider P          openai (default), azure-openai, openai-compatible, anthropic',
  '  --mode M              batch (default), flex, realtime, auto',
  '  --job-id ID           job id (default: generated); with a SPEC, --model, --provider, --mode and --job-id override it',
].join('\n');

const FLAG_ONLY = ['input', 'prompt', 'system', 'schema', 'id-field'] as const;

function overrides(values: CliContext['values']): Partial<StartSpec> {
  const pick = (flag: string) => stringFlag(values[flag]);
  return {
    ...(pick('model') ? { model: pick('model')! } : {}),
    ...(pick('provider') ? { provider: pick('provider') as StartSpec['provider'] } : {}),
    ...(pick('mode') ? { mode: pick('mode') as StartSpec['mode'] } : {}),
    ...(pick('job-id') ? { jobId: pick('job-id')! } : {}),
  };
}

/**
 * The job a command was given: the SPEC file named by the one positional argument (with overrides), or a spec
 * built from flags. Values are not checked here: client.start / prepareStartSpec validate them and name the field.
 * @throws CliError (exit 2) for a missing or contradictory description; InvalidSpecError for an unreadable file.
 */
export function specFromArgs(ctx: Pick<CliContext, 'values' | 'positionals'>): { spec: StartSpec; baseDir: string } {
  const { values, positionals } = ctx;
  if (positionals.length > 1) throw new CliError(`expected one SPEC file, got ${positionals.length}: ${positionals.join(' ')}`, 2);
  const file = positionals[0];
  if (file !== undefined) {
    const clash = FLAG_ONLY.filter((f) => stringFlag(values[f]) !== undefined);
    if (clash.length > 0) throw new CliError(`--${clash.join(', --')} describe a job without a SPEC file: edit ${file} instead`, 2);
    const loaded = loadSpecFile(file);
    return { spec: { ...loaded.spec, ...overrides(values) }, baseDir: loaded.baseDir };
  }
  const missing = (['input', 'model', 'prompt'] as const).filter((f) => stringFlag(values[f]) === undefined);
  if (missing.length > 0) throw new CliError(`give a SPEC file, or --input, --model and --prompt (missing --${missing.join(', --')})`, 2);
  const system = stringFlag(values.system);
  const schema = stringFlag(values.schema);
  const idField = stringFlag(values['id-field']);
  const spec: StartSpec = {
    ...overrides(values),
    model: stringFlag(values.model)!,
    dataset: { path: stringFlag(values.input)!, ...(idField ? { idField } : {}) },
    prompt: { messages: [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user' as const, content: stringFlag(values.prompt)! }] },
    ...(schema ? { outputSchema: { file: schema } } : {}),
  };
  return { spec, baseDir: process.cwd() };
}
