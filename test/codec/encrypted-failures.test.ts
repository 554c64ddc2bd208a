import { randomBytes } from 'node:crypto';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectOneOutcomePerItemOf } from '../support/job-assertions';
import { startTestStack, type TestStack } from '../support/stack';

/**
 * A provider's error text can echo what was sent. With a payload key, the failure messages and stack traces of
 * activities are encrypted like payloads: the history says "Encoded failure"; the workflow, reading them through
 * the codec, handles the failure as before.
 */
const MARKER = `FAILMARK${randomBytes(4).toString('hex')}`;

function found(value: unknown, seen = new Set<unknown>()): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value.includes(MARKER);
  if (value instanceof Uint8Array) return Buffer.from(value).includes(MARKER);
  if (typeof value !== 'object' || seen.has(value)) return false;
  seen.add(value);
  return Object.values(value).some((member) => found(member, seen));
}

describe('activity failures with a payload key', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it("keep a provider's error text out of the history, and the job handles them as before", async () => {
    const scenario = { clock: { speed: 2000 }, endpointFaults: [{ method: 'POST', path: '/v1/batches', status: 400, message: `bad request near "${MARKER}"`, code: 'invalid_request' }] };
    stack = await startTestStack({ scenario, env: { LONGHAUL_PAYLOAD_KEY: randomBytes(32).toString('base64') } });
    const job = await stack.client.start({
      jobId: 'encrypted-failure',
      dataset: { path: writeTicketsJsonl(stack.dir, 4), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      polling: { initialSeconds: 0.2, maxSeconds: 1 },
    });
    const lines = await expectOneOutcomePerItemOf(job, 4);
    expect(lines.every((l) => l.state === 'failed')).toBe(true);
    let failedActivities = 0;
    for await (const wf of stack.client.temporal.workflow.list({ query: 'WorkflowId STARTS_WITH "longhaul/encrypted-failure"' })) {
      const history = await stack.client.temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      for (const event of history.events ?? []) {
        const failure = event.activityTaskFailedEventAttributes?.failure;
        if (failure) {
          failedActivities++;
          expect({ message: failure.message, stackTrace: failure.stackTrace, type: failure.applicationFailureInfo?.type }).toEqual({
            message: 'Encoded failure',
            stackTrace: '',
            type: 'ProviderInvalidRequest',
          });
        }
      }
      expect({ workflow: wf.workflowId, markerInHistory: found(history) }).toEqual({ workflow: wf.workflowId, markerInHistory: false });
    }
    expect(failedActivities).toBeGreaterThan(0);
  });
});
