import Ajv from 'ajv';
import { answer } from '../../src/emulator/model/deterministic-model';
import { answerForSchema } from '../../src/emulator/model/schema-answer';
import { textFeatures } from '../../src/emulator/model/text-features';

// Formats checked by hand below: ajv-formats is not a dependency of ours.
const ajv = new Ajv({ strict: false });
const formats: Record<string, RegExp> = {
  email: /^[^@\s]+@[^@\s]+\.[a-z]+$/i,
  date: /^\d{4}-\d{2}-\d{2}$/,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
  uri: /^https:\/\/example\.com\/[a-z0-9/-]*$/i,
};
for (const [name, pattern] of Object.entries(formats)) ajv.addFormat(name, pattern);

const schemas: Record<string, object> = {
  sentiment: {
    type: 'object',
    properties: {
      sentiment: { type: 'string', enum: ['positive', 'negative', 'neutral'] },
      confidence: { type: 'number', minimum: 0, maximum: 1 },
      summary: { type: 'string', minLength: 10, maxLength: 80 },
      tags: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 4 },
      urgent: { type: 'boolean' },
    },
    required: ['sentiment', 'confidence', 'summary', 'tags', 'urgent'],
    additionalProperties: false,
  },
  nested: {
    type: 'object',
    $defs: { person: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 18, maximum: 99 }, email: { type: 'string', format: 'email' } }, required: ['name', 'age', 'email'] } },
    properties: {
      people: { type: 'array', items: { $ref: '#/$defs/person' }, minItems: 1 },
      when: { type: 'string', format: 'date-time' },
      day: { type: 'string', format: 'date' },
      id: { type: 'string', format: 'uuid' },
      link: { type: 'string', format: 'uri' },
      kind: { const: 'report' },
      note: { type: ['string', 'null'] },
      choice: { anyOf: [{ type: 'null' }, { type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 3 }] },
      labels: { type: 'array', items: { enum: ['a', 'b', 'c'] }, uniqueItems: true, minItems: 2, maxItems: 3 },
    },
    required: ['people', 'when', 'day', 'id', 'link', 'kind', 'note', 'choice', 'labels'],
  },
  merged: { allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'number', minimum: -5, maximum: -1 } }, required: ['b'] }] },
  topArray: { type: 'array', items: { type: 'integer', minimum: 5, maximum: 5 }, minItems: 3, maxItems: 3 },
};

const inputs = [
  'I love this product, it is excellent and works great.',
  'Terrible experience, the package arrived broken and I want a refund.',
  'It is okay I guess, nothing special about the delivery.',
  'Der Kühlschrank ist laut. 東京 is far away.',
  '',
];

describe('schema answers', () => {
  for (const [name, schema] of Object.entries(schemas)) {
    it(`are valid against the ${name} schema for every input`, () => {
      const validate = ajv.compile(schema);
      for (const [i, text] of inputs.entries()) {
        const value = answerForSchema(schema as Record<string, unknown>, textFeatures(text, `body-${i}`));
        expect(validate(value) ? null : { value, errors: validate.errors }).toBeNull();
      }
    });
  }

  it('pick enum values named or hinted in the text, and build strings from its words', () => {
    const pick = (text: string) => answerForSchema(schemas.sentiment as Record<string, unknown>, textFeatures(text, text)) as Record<string, unknown>;
    expect(pick(inputs[0] as string).sentiment).toBe('positive');
    expect(pick(inputs[1] as string).sentiment).toBe('negative');
    expect(String(pick(inputs[1] as string).summary)).toMatch(/terrible|experience|package|broken/);
  });

  it('are deterministic per body and differ between bodies', () => {
    const call = (text: string) => answer({ promptText: text, body: { text }, schema: schemas.sentiment as Record<string, unknown> }).text;
    expect(call('alpha beta gamma delta')).toBe(call('alpha beta gamma delta'));
    expect(new Set(inputs.map(call)).size).toBe(inputs.length);
  });

  it('can be spoiled: invalid JSON or a missing required field', () => {
    const validate = ajv.compile(schemas.sentiment as object);
    const kinds = new Set<string>();
    for (let i = 0; i < 20; i += 1) {
      const { text } = answer({ promptText: `item ${i}`, body: { i }, schema: schemas.sentiment as Record<string, unknown>, breakSchema: true });
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        kinds.add('invalid_json');
        continue;
      }
      expect(validate(parsed)).toBe(false);
      kinds.add('missing_required');
    }
    expect([...kinds].sort()).toEqual(['invalid_json', 'missing_required']);
  });

  it('answers plain text from the input words, cut at the token limit', () => {
    const full = answer({ promptText: 'Volcanoes erupt when magma rises through the crust', body: 1 });
    expect(full.text).toMatch(/volcanoes|magma|crust/);
    expect(full.promptTokens).toBeGreaterThan(5);
    const cut = answer({ promptText: 'Volcanoes erupt when magma rises through the crust', body: 1, maxOutputTokens: 2 });
    expect(cut.truncated).toBe(true);
    expect(cut.text.length).toBeLessThanOrEqual(8);
  });
});
