import { readFileSync } from 'node:fs';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';

describe('a first job, end to end on a real Temporal server and the emulator', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('gives every input item exactly one result line', async () => {
    const input = writeTicketsJsonl(stack.dir, 25);
    const job = await stack.client.start({
      dataset: { path: input, idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 10 },
      polling: { initialSeconds: 0.2, maxSeconds: 1 },
    });
    const report = await job.result();
    expect(report.status).toBe('completed');
    expect(report.total).toBe(25);
    expect(report.shards).toBe(3);

    const lines = readFileSync(report.files.results, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(25);
    expect(new Set(lines.map((l) => l.id)).size).toBe(25);
    expect(lines.map((l) => l.line)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    for (const line of lines) {
      expect(line.state).toBe('succeeded');
      expect(['billing', 'bug', 'performance', 'account', 'other']).toContain(line.output.category);
    }
    const batches = stack.emulator.inspect().batches;
    expect(batches.openai).toHaveLength(3);
  });
});
