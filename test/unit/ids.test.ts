import { customIdOf, itemKeyOf, parseCustomId, requestKeyOf, seqInRound, taskVersionOf } from '../../src/spec/ids';
import { submissionAttempt, submissionKey } from '../../workflows/internal/workflow-ids';

const base = {
  provider: 'openai' as const,
  model: 'gpt-4o-mini',
  endpoint: '/v1/chat/completions',
  prompt: { messages: [{ role: 'user' as const, content: '{{x}}' }] },
  params: { temperature: 0, top_p: 1 },
  outputSchema: undefined,
};

describe('ids and hashes', () => {
  it('taskVersion ignores key order but not content', () => {
    const same = taskVersionOf({ ...base, params: { top_p: 1, temperature: 0 } });
    expect(same).toBe(taskVersionOf(base));
    expect(taskVersionOf({ ...base, model: 'gpt-4o' })).not.toBe(taskVersionOf(base));
    expect(taskVersionOf({ ...base, prompt: { messages: [{ role: 'user', content: '{{y}}' }] } })).not.toBe(taskVersionOf(base));
    expect(taskVersionOf(base)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('custom_ids round-trip, fit the strictest provider rule and stay unique per attempt', () => {
    const id = customIdOf(123456789, 12, 20);
    expect(id).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(parseCustomId(id)).toEqual({ seq: 123456789, generation: 12, round: 20 });
    expect(customIdOf(5, 0, 1)).not.toBe(customIdOf(5, 0, 2));
    expect(parseCustomId('foreign-id')).toBeUndefined();
    for (const bad of ['', 'i', 'i-g0-r0', 'i1-g-r0', 'i1-g0-r', 'i1-g0', 'i1-g0-r0x', 'i1-g0-r0 ', 'x1-g0-r0', 'i1_g0_r0', 'i1-g0-r-1']) {
      expect(parseCustomId(bad)).toBeUndefined();
    }
    expect(seqInRound(customIdOf(7, 1, 2), { generation: 1, round: 2 })).toBe(7);
    expect(seqInRound(customIdOf(7, 1, 2), { generation: 1, round: 1 })).toBeUndefined();
    expect(seqInRound(customIdOf(7, 0, 2), { generation: 1, round: 2 })).toBeUndefined();
    expect(seqInRound('foreign-id', { generation: 1, round: 2 })).toBeUndefined();
    expect(parseCustomId(undefined)).toBeUndefined();
    expect(parseCustomId('i007-g0-r1')).toEqual({ seq: 7, generation: 0, round: 1 });
  });

  it('request keys change with the task version and the rendered body', () => {
    expect(requestKeyOf('tv1', '{"a":1}')).not.toBe(requestKeyOf('tv2', '{"a":1}'));
    expect(requestKeyOf('tv1', '{"a":1}')).not.toBe(requestKeyOf('tv1', '{"a":2}'));
  });

  it('item keys come from the id field, else a hash of the row', () => {
    expect(itemKeyOf({ id: 7 }, 'id')).toBe('7');
    expect(itemKeyOf({ id: '' }, 'id')).toBeUndefined();
    expect(itemKeyOf({ b: 1, a: 2 }, undefined)).toBe(itemKeyOf({ a: 2, b: 1 }, undefined));
  });

  it('names a shard attempt\'s batches created again after quota refusals, and finds the attempt back', () => {
    expect(submissionKey('job/g0/r1/s3')).toBe('job/g0/r1/s3');
    expect(submissionKey('job/g0/r1/s3', 2)).toBe('job/g0/r1/s3~q2');
    expect(submissionAttempt('job/g0/r1/s3~q2')).toBe('job/g0/r1/s3');
    expect(submissionAttempt('job/g0/r1/s3')).toBe('job/g0/r1/s3');
  });
});
