import { compileTemplate, MissingFieldError } from '../../src/dataset/prompt-template';

describe('prompt templates', () => {
  it('fills fields, nested fields and non-string values', () => {
    const t = compileTemplate('Hi {{ name }}, order {{order.id}} ({{order.items}}) {{note}}', 'prompt.messages[0].content');
    expect(t.fields).toEqual(['name', 'order.id', 'order.items', 'note']);
    expect(t.render({ name: 'Ana', order: { id: 7, items: ['a', 'b'] }, note: null })).toBe('Hi Ana, order 7 (["a","b"]) ');
  });

  it('names the missing field and where it is used', () => {
    const t = compileTemplate('{{subject}}: {{body}}', 'prompt.messages[1].content');
    expect(() => t.render({ subject: 'x' })).toThrow(new MissingFieldError('body', 'prompt.messages[1].content'));
    expect(() => t.render({ subject: 'x' })).toThrow('missing field "body" (used in prompt.messages[1].content)');
  });

  it('passes text without placeholders through', () => {
    expect(compileTemplate('no fields { here }', 'x').render({})).toBe('no fields { here }');
  });
});
