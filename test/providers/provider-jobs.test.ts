import { readFileSync } from 'node:fs';
import type { ProviderName } from '../../src/spec/job-spec';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { ticketValidator } from './contract-fixtures';

/** OpenAI-compatible hosts run the OpenAI adapter unchanged (its contract test covers that name). */
const RUNS: ReadonlyArray<[ProviderName, string]> = [
  ['openai', 'gpt-4o-mini'],
  ['azure-openai', 'gpt-4o-mini'],
  ['anthropic', 'claude-haiku-4-5'],
];

describe('one spec on every batch provider, through the engine (real Temporal server, emulator)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ scenario: { clock: { speed: 20_000 } } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('gives the same items, each with one valid answer, on OpenAI, Azure OpenAI and Anthropic', async () => {
    const input = writeTicketsJsonl(stack.dir, 12, 'provider-jobs.jsonl');
    const jobs = await Promise.all(RUNS.map(([provider, model]) => stack.client.start({
      dataset: { path: input, idField: 'id' },
      provider,
      model,
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 5 },
      polling: { initialSeconds: 0.2, maxSeconds: 1 },
    })));
    const reports = await Promise.all(jobs.map((job) => job.result()));
    const idsPerProvider = reports.map((report, i) => {
      expect(report).toMatchObject({ status: 'completed', provider: RUNS[i]![0], total: 12, shards: 3, counts: { succeeded: 12, failed: 0 } });
      const lines = readFileSync(report.files.results, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; state: string; output: unknown });
      for (const line of lines) expect(ticketValidator.validate({ output: line.output, tokensIn: 0, tokensOut: 0 })).toMatchObject({ ok: true });
      return lines.map((l) => l.id);
    });
    for (const ids of idsPerProvider) expect(ids).toEqual(idsPerProvider[0]);
    const batches = stack.emulator.inspect().batches;
    expect(batches.openai).toHaveLength(6);
    expect(batches.anthropic).toHaveLength(3);
  });
});
