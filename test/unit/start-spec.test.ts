import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { prepareStartSpec, type StartSpec } from '../../src/client/start-spec';
import { JobSpecSchema } from '../../src/spec/job-spec';
import { resolveSpec } from '../../src/spec/resolve-spec';
import { InvalidSpecError } from '../../src/spec/spec-errors';
import { LocalBlobStore } from '../../src/storage/local-blob-store';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { tempDir } from '../support/temp-dirs';

/** The one-line problem an InvalidSpecError names, as [path, message]. */
function problemOf(run: () => unknown): [string, string] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidSpecError);
    const [problem, ...more] = (err as InvalidSpecError).problems;
    expect(more).toEqual([]);
    expect((err as Error).message).not.toContain('\n');
    return [problem!.path, problem!.message];
  }
  throw new Error('expected InvalidSpecError');
}

describe('resolving a spec', () => {
  const spec = (overrides: object) => JobSpecSchema.parse({ model: 'gpt-4o-mini', dataset: { path: '/data/t.jsonl' }, prompt: TICKET_PROMPT, ...overrides });

  it('refuses a placeholder that would reach the model as text, naming the template', () => {
    const prompt = { messages: [{ role: 'system', content: 'Classify.' }, { role: 'user', content: 'Subject: {{subject' }] };
    expect(problemOf(() => resolveSpec(spec({ prompt }), 'job-1'))).toEqual(['prompt.messages[1].content', 'unclosed placeholder "{{subject" at character 10']);
    const input = { input: 'Embed {{ a b }}' };
    expect(problemOf(() => resolveSpec(spec({ prompt: input, endpoint: '/v1/embeddings' }), 'job-1'))[0]).toBe('prompt.input');
  });

  it.each([
    ['an unknown type', { type: 'foo' }, /^schema is invalid: data\/type must be equal to one of the allowed values/],
    ['required as a string', { type: 'object', required: 'a' }, /^schema is invalid: data\/required must be array/],
  ])('refuses an output schema that cannot check answers (%s), with Ajv\'s reason', (_kind, schema, reason) => {
    const [where, message] = problemOf(() => resolveSpec(spec({ outputSchema: { name: 'out', schema } }), 'job-1'));
    expect(where).toBe('outputSchema.schema');
    expect(message).toMatch(reason);
  });

  it('accepts the schemas users write, also from zod', () => {
    expect(() => resolveSpec(spec({ outputSchema: { name: 'ticket', schema: TICKET_SCHEMA } }), 'job-1')).not.toThrow();
    const fromZod = z.toJSONSchema(z.object({ category: z.enum(['a', 'b']), note: z.string().optional() }), { target: 'draft-7' });
    expect(() => resolveSpec(spec({ outputSchema: { name: 'z', schema: fromZod } }), 'job-1')).not.toThrow();
  });
});

describe('starting a job: the dataset file', () => {
  const dir = tempDir('longhaul-start-spec-');
  const blobs = new LocalBlobStore(path.join(dir, 'blobs'));
  const start = (file: string) => prepareStartSpec({ model: 'gpt-4o-mini', dataset: { path: file }, prompt: TICKET_PROMPT } as StartSpec, blobs, dir);
  const refusal = async (file: string): Promise<[string, string]> => {
    const err = await start(file).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidSpecError);
    const { path: where, message } = (err as InvalidSpecError).problems[0]!;
    return [where, message];
  };

  it.each([
    ['empty', 'empty.jsonl', ''],
    ['blank lines only', 'blank.jsonl', '\n \r\n\t\n'],
    ['a byte order mark only', 'bom.jsonl', '\uFEFF'],
    ['a CSV header only', 'header.csv', 'id,subject,body\n'],
  ])('refuses a dataset without items (%s)', async (_kind, name, text) => {
    writeFileSync(path.join(dir, name), text);
    expect(await refusal(name)).toEqual(['dataset.path', `${path.join(dir, name)} has no items (it is empty, or holds only blank lines or a CSV header)`]);
  });

  it('refuses a directory', async () => {
    mkdirSync(path.join(dir, 'folder.jsonl'));
    expect(await refusal('folder.jsonl')).toEqual(['dataset.path', `${path.join(dir, 'folder.jsonl')} is a directory, not a file`]);
  });

  it('accepts a dataset whose items are all bad rows (they fail one by one, with their lines)', async () => {
    writeFileSync(path.join(dir, 'text.jsonl'), 'not json\n');
    await expect(start('text.jsonl')).resolves.toMatchObject({ dataset: { path: path.join(dir, 'text.jsonl'), format: 'jsonl' } });
    await expect(start(writeTicketsJsonl(dir, 2))).resolves.toMatchObject({ dataset: { format: 'jsonl' } });
  });
});
