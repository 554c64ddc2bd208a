import { transformJSONSchema } from '@anthropic-ai/sdk/lib/transform-json-schema';
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
    const call = (text: string) => answer({ content: text, body: { text }, schema: schemas.sentiment as Record<string, unknown> }).text;
    expect(call('alpha beta gamma delta')).toBe(call('alpha beta gamma delta'));
    expect(new Set(inputs.map(call)).size).toBe(inputs.length);
  });

  it('can be spoiled: invalid JSON or a missing required field', () => {
    const validate = ajv.compile(schemas.sentiment as object);
    const kinds = new Set<string>();
    for (let i = 0; i < 20; i += 1) {
      const { text } = answer({ content: `item ${i}`, body: { i }, schema: schemas.sentiment as Record<string, unknown>, breakSchema: true });
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
    const full = answer({ content: 'Volcanoes erupt when magma rises through the crust', body: 1 });
    expect(full.text).toMatch(/volcanoes|magma|crust/);
    expect(full.promptTokens).toBeGreaterThan(5);
    const cut = answer({ content: 'Volcanoes erupt when magma rises through the crust', body: 1, maxOutputTokens: 2 });
    expect(cut.truncated).toBe(true);
    expect(cut.text.length).toBeLessThanOrEqual(8);
  });
});

describe('answers follow the item', () => {
  const ticketSchema = {
    type: 'object',
    properties: {
      category: { type: 'string', enum: ['billing', 'bug', 'performance', 'account', 'other'] },
      urgency: { type: 'integer', minimum: 1, maximum: 5 },
      sentiment: { type: 'string', enum: ['negative', 'neutral', 'positive'] },
      customer: { type: 'string' },
      summary: { type: 'string', maxLength: 160 },
    },
    required: ['category', 'urgency', 'sentiment', 'customer', 'summary'],
    additionalProperties: false,
  };
  const instructions = 'You triage customer support tickets: billing, bug, performance, account or other. Rate urgency 1 to 5.';
  const triage = (subject: string, body: string) => answer({
    instructions,
    content: `Customer: Ana at Cobalt Analytics\nSubject: ${subject}\n\n${body}`,
    body: { subject, body },
    schema: ticketSchema,
  }).json as Record<string, unknown>;

  it('picks labels from the item text, not from the instructions every item shares', () => {
    expect(triage('Charged twice for Business', 'Hi, I was charged twice this month. Could you refund the duplicate charge?')).toMatchObject({ category: 'billing', sentiment: 'negative' });
    expect(triage('Locked out after password reset', 'I reset my password and now my account is locked.')).toMatchObject({ category: 'account', sentiment: 'negative' });
    expect(triage('API responses are slow', 'Average latency went from 200 ms to 7.4 seconds today.')).toMatchObject({ category: 'performance' });
    expect(triage('Dashboard shows error 500', 'The dashboard fails with "Internal Server Error". 13 people are blocked.')).toMatchObject({ category: 'bug', urgency: 5 });
    expect(triage('Feature request: dark mode', 'Our night shift would love a dark mode. Is it on the roadmap?')).toMatchObject({ category: 'other', sentiment: 'positive', urgency: 1 });
    expect(triage('Question about data retention', 'How long do you keep our data after we cancel?')).toMatchObject({ category: 'other', sentiment: 'neutral' });
  });

  it('writes strings from the item: a field named like the property, a summary of its own sentences', () => {
    const value = triage('Export to CSV is empty', 'Hello, exporting the Churn report to CSV gives a file with only the header row. It worked last week.');
    expect(value.customer).toBe('Ana at Cobalt Analytics');
    expect(value.summary).toBe('Export to CSV is empty (Ana at Cobalt Analytics): Exporting the Churn report to CSV gives a file with only the header row.');
    const long = triage('Webhook deliveries failing', `Our webhook endpoint stopped receiving events. ${'The delivery log says timeout but our server is up and answering. '.repeat(4)}`);
    expect(String(long.summary).length).toBeLessThanOrEqual(160);
    expect(long.summary).toMatch(/^Webhook deliveries failing \(Ana at Cobalt Analytics\): Our webhook endpoint stopped receiving events\.$/);
  });

  it('honours bounds a client moved into descriptions, as the official Anthropic SDK does', () => {
    const wire = transformJSONSchema(ticketSchema);
    expect(JSON.stringify(wire)).not.toMatch(/"maximum"|"maxLength"/);
    const validate = ajv.compile(ticketSchema);
    for (let i = 0; i < 30; i += 1) {
      const { json } = answer({ content: `ticket ${i}: the export is empty ${'and very long '.repeat(i)}`, body: { i }, schema: wire });
      expect(validate(json) ? null : { json, errors: validate.errors }).toBeNull();
    }
  });

  it('finds a JSON Schema stated in the prompt when it asks for JSON, and answers prose otherwise', () => {
    const stated = JSON.stringify({ title: 'Ticket', type: 'object', properties: { category: ticketSchema.properties.category }, required: ['category'] });
    const asked = answer({ instructions: `Return json matching {"example": true} and this schema: ${stated}`, content: 'I was charged twice', body: 1 });
    expect(JSON.parse(asked.text)).toEqual({ category: 'billing' });
    expect(answer({ instructions: `Use this schema: ${stated}`, content: 'I was charged twice', body: 1 }).json).toBeUndefined();
    expect(JSON.parse(answer({ content: 'I was charged twice', body: 1, jsonMode: true }).text)).toEqual({ answer: expect.stringContaining('charged twice') });
  });
});
