import path from 'node:path';
import { reportText } from '../../src/cli/report-text';
import type { StartSpec } from '../../src/client/start-spec';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { startTestStack, type TestStack } from '../support/stack';
import { waitFor } from '../support/worker-process';

/** A cancelled job's report says why, through a real run: the cancel request's reason reaches finalize. */
describe('the reason of a cancel', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ scenario: { clock: { speed: 50 } } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const start = (jobId: string): Promise<ReturnType<TestStack['client']['job']>> => {
    const spec: StartSpec = {
      jobId,
      dataset: { path: writeTicketsJsonl(path.join(stack.dir, jobId), 20), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: { messages: [{ role: 'system', content: `Classify. [${jobId}]` }, TICKET_PROMPT.messages[1]!] },
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      polling: { initialSeconds: 0.2, maxSeconds: 0.5 },
    };
    return stack.client.start(spec);
  };
  const batchOpen = (jobId: string) => () => stack.emulator.inspect().batches.openai.some((b) => b.metadata?.longhaul_job === jobId && b.status === 'in_progress');

  it('the cancel signal\'s reason, in the report and its text; Temporal\'s own cancel says so', async () => {
    const tag = Math.random().toString(36).slice(2, 8);
    const signalled = await start(`why-${tag}`);
    await waitFor('a batch in progress', batchOpen(`why-${tag}`), 60_000);
    await signalled.cancel('wrong prompt');
    const report = await signalled.result();
    expect(report).toMatchObject({ status: 'cancelled', cancelReason: 'wrong prompt' });
    expect(reportText(report)).toContain('\n  cancelled  wrong prompt\n');

    const fromTemporal = await start(`ui-${tag}`);
    await waitFor('a batch in progress', batchOpen(`ui-${tag}`), 60_000);
    await stack.client.temporal.workflow.getHandle(`longhaul/ui-${tag}`).cancel();
    const ui = await fromTemporal.result();
    expect(ui).toMatchObject({ status: 'cancelled', cancelReason: 'workflow cancelled' });
  });
});
