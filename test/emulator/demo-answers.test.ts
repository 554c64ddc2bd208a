import { readFileSync } from 'node:fs';
import path from 'node:path';
import type OpenAI from 'openai';
import { loadSpecFile } from '../../src/client/spec-file';
import { compileTemplate } from '../../src/dataset/prompt-template';
import { emulatorAccounts } from '../../src/dev/embedded-stack';
import type { EmulatorHandle } from '../../src/emulator';
import type { BatchProvider } from '../../src/providers/batch-provider';
import { createProviderRegistry } from '../../src/providers/provider-registry';
import { OutputValidator } from '../../src/results/output-validator';
import type { Endpoint } from '../../src/spec/job-spec';
import { downloadLines, openaiClient, pollBatch, uploadBatchFile, withEmulator } from './emulator-fixtures';

type Ticket = { id: string; customer: string; subject: string; body: string };
type Triage = { category: string; urgency: number; sentiment: string; summary: string };

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'support-tickets');
const ENDPOINT: Endpoint = '/v1/chat/completions';

/**
 * The demo's job (examples/support-tickets: 3,000 tickets, the spec's prompt and schema) answered by the
 * emulator the way `longhaul demo` runs it: requests built by the OpenAI adapter, one batch through the official
 * client. The answers must read like answers about each ticket, not 15 sentences shared by all of them.
 */
describe('the demo job\'s answers follow each ticket', () => {
  let handle: EmulatorHandle;
  let client: OpenAI;
  let tickets: Ticket[];
  let answers: Map<string, Triage>;

  beforeAll(async () => {
    handle = await withEmulator({ clock: { speed: 1_000_000 } });
    client = openaiClient(handle, 60_000);
    const { spec } = loadSpecFile(path.join(EXAMPLE, 'spec.json'));
    const outputSchema = { name: 'ticket_triage', schema: JSON.parse(readFileSync(path.join(EXAMPLE, 'ticket.schema.json'), 'utf8')) as Record<string, unknown> };
    const provider: BatchProvider = createProviderRegistry(emulatorAccounts(handle)).get('openai');
    const messages = (spec.prompt as { messages: { role: 'system' | 'user'; content: string }[] }).messages.map((m, i) => ({ role: m.role, template: compileTemplate(m.content, `prompt.messages[${i}]`) }));
    tickets = readFileSync(path.join(EXAMPLE, 'tickets.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Ticket);
    const lines = tickets.map((ticket) => {
      const body = provider.buildBody(
        { messages: messages.map((m) => ({ role: m.role, content: m.template.render(ticket) })) },
        { model: spec.model as string, endpoint: ENDPOINT, params: spec.params ?? {}, outputSchema },
      );
      return provider.batchLine(ticket.id, JSON.stringify(body), ENDPOINT);
    });
    const fileId = await uploadBatchFile(client, `${lines.join('\n')}\n`);
    const { batch } = await pollBatch(client, (await client.batches.create({ input_file_id: fileId, endpoint: ENDPOINT, completion_window: '24h' })).id, undefined, 60_000);
    const validator = new OutputValidator(outputSchema);
    answers = new Map((await downloadLines<{ custom_id: string; response: { body: unknown } }>(client, batch.output_file_id)).map((line) => {
      const checked = validator.validate(provider.extractAnswer(line.response.body, ENDPOINT));
      if (!checked.ok) throw new Error(`${line.custom_id}: ${checked.message}`);
      return [line.custom_id, checked.output as Triage];
    }));
  }, 120_000);
  afterAll(() => handle?.stop());

  /** The answers to the tickets whose subject matches. */
  const about = (subject: RegExp) => tickets.filter((t) => subject.test(t.subject)).map((t) => answers.get(t.id) as Triage);
  const tally = (list: Triage[], field: keyof Triage) => list.reduce<Record<string, number>>((counts, a) => ({ ...counts, [a[field]]: (counts[String(a[field])] ?? 0) + 1 }), {});

  it('answers every ticket with output valid against the schema, and many different summaries', () => {
    expect(answers.size).toBe(3_000);
    expect(new Set([...answers.values()].map((a) => a.summary)).size).toBeGreaterThan(2_000);
    const first = tickets[0] as Ticket;
    expect(answers.get(first.id)?.summary).toContain(first.subject);
    for (const ticket of tickets.slice(0, 50)) expect((answers.get(ticket.id) as Triage).summary).toContain(ticket.customer);
  });

  it('labels each ticket by what it says', () => {
    const cases: [RegExp, Partial<Record<keyof Triage, string>>][] = [
      [/^Charged twice/, { category: 'billing', sentiment: 'negative' }],
      [/^Invoice .* wrong VAT/, { category: 'billing' }],
      [/^Cannot update credit card/, { category: 'billing', sentiment: 'negative' }],
      [/^Add \d+ seats/, { category: 'billing' }],
      [/^Locked out after password reset/, { category: 'account', sentiment: 'negative' }],
      [/^Transfer ownership/, { category: 'account' }],
      [/^API responses are slow/, { category: 'performance' }],
      [/report takes minutes to load/, { category: 'performance' }],
      [/^Dashboard shows error/, { category: 'bug', sentiment: 'negative' }],
      [/^Webhook deliveries failing/, { category: 'bug' }],
      [/^Export to CSV is empty/, { category: 'bug' }],
      [/^Feature request/, { category: 'other', sentiment: 'positive' }],
      [/^Question about data retention/, { category: 'other', sentiment: 'neutral' }],
    ];
    for (const [subject, expected] of cases) {
      const list = about(subject);
      expect(list.length).toBeGreaterThan(100);
      for (const [field, value] of Object.entries(expected)) expect({ subject: subject.source, [field]: tally(list, field as keyof Triage) }).toEqual({ subject: subject.source, [field]: { [value]: list.length } });
    }
  });

  it('rates urgency by the ticket: blocked teams and locked accounts high, feature requests low', () => {
    expect(about(/^Dashboard shows error|^Locked out/).every((a) => a.urgency >= 4)).toBe(true);
    expect(about(/^Feature request|^Question about/).every((a) => a.urgency <= 2)).toBe(true);
    expect(new Set([...answers.values()].map((a) => a.urgency)).size).toBeGreaterThanOrEqual(4);
  });
});
