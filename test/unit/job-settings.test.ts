import { JobSpecSchema } from '../../src/spec/job-spec';
import { settingsOf } from '../../src/contracts/job-settings';
import { resolveSpec } from '../../src/spec/resolve-spec';
import { InvalidSpecError } from '../../src/spec/spec-errors';
import { MAX_SPEC_BYTES } from '../../src/spec/spec-size';
import { TICKET_PROMPT, TICKET_SCHEMA } from '../support/datasets';

const spec = (overrides: object = {}) =>
  resolveSpec(
    JobSpecSchema.parse({
      model: 'gpt-4o-mini',
      dataset: { path: '/data/t.jsonl', idField: 'id' },
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      params: { temperature: 0 },
      labels: { team: 'support' },
      deadline: '2030-01-01T00:00:00Z',
      ...overrides,
    }),
    'job-1',
  );

describe('what workflows carry of a spec', () => {
  it('keeps what steers the workflows and leaves out the prompt, schema, params, labels, dataset and output', () => {
    const full = spec({ prompt: { messages: [{ role: 'system', content: 'x'.repeat(50_000) }, TICKET_PROMPT.messages[1]] } });
    const settings = settingsOf({ ...full, storage: 'dir:/data|sqlite:/data/r.db', account: 'eu' });
    expect(Object.keys(settings).sort()).toEqual(
      ['v', 'jobId', 'provider', 'account', 'model', 'endpoint', 'mode', 'taskVersion', 'limits', 'retry', 'polling', 'timeouts', 'realtime', 'fallback', 'auto', 'deadline', 'storage'].sort(),
    );
    expect(settings).toMatchObject({ v: 1, jobId: 'job-1', model: 'gpt-4o-mini', deadline: '2030-01-01T00:00:00Z', limits: full.limits, retry: full.retry });
    // a 50 KB prompt, and the settings stay under 2 KB
    expect(JSON.stringify(settings).length).toBeLessThan(2048);
  });

  it('has no optional field it was not given', () => {
    const { deadline: _deadline, ...plain } = spec();
    expect(Object.keys(settingsOf(plain))).not.toEqual(expect.arrayContaining(['account', 'deadline', 'storage']));
  });
});

describe('the size of a spec', () => {
  it('takes a spec up to the cap', () => {
    expect(() => spec({ prompt: { messages: [{ role: 'system', content: 'x'.repeat(MAX_SPEC_BYTES - 4096) }, TICKET_PROMPT.messages[1]] } })).not.toThrow();
  });

  it('refuses a bigger one with one line that gives its size, the cap and its heaviest field', () => {
    const big = () => spec({ prompt: { messages: [{ role: 'system', content: 'x'.repeat(300 * 1024) }, TICKET_PROMPT.messages[1]] } });
    expect(big).toThrow(InvalidSpecError);
    expect(big).toThrow(/^invalid job spec: the spec is 30\d KiB as JSON, over the 256 KiB a job may carry \(heaviest: prompt 30\d KiB, .*\); put long context in the dataset's rows or a request builder$/);
  });
});
