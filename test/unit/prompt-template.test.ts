import { compileTemplate, MissingFieldError, placeholderProblem } from '../../src/dataset/prompt-template';

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

describe('placeholder check', () => {
  it('accepts well-formed placeholders and braces that open none', () => {
    for (const ok of ['Hi {{ name }} {{order.id}}', 'JSON: {"a": {"b": 1}}', '{{{name}}}', 'no fields { here }', '}} stray closers }}', '']) {
      expect(placeholderProblem(ok)).toBeUndefined();
    }
  });

  it('names an unclosed placeholder and where it starts (1-based character)', () => {
    expect(placeholderProblem('Subject: {{subject')).toBe('unclosed placeholder "{{subject" at character 10');
    expect(placeholderProblem('{{a}} then {{ b and more text')).toBe('unclosed placeholder "{{ b" at character 12');
    expect(placeholderProblem('{{a\nb}}')).toBe('unclosed placeholder "{{a" at character 1');
    expect(placeholderProblem('{{a}} {{')).toBe('unclosed placeholder "{{" at character 7');
  });

  it('names a placeholder that is not a field name', () => {
    expect(placeholderProblem('x {{ a b }} y')).toMatch(/^placeholder "\{\{ a b \}\}" at character 3 is not a field name/);
    expect(placeholderProblem('{{}}')).toMatch(/^placeholder "\{\{\}\}" at character 1 is not a field name/);
  });
});
