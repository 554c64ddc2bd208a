import type { temporal } from '@temporalio/proto';
import { InvalidSpecError } from '../../src/spec/spec-errors';
import { jobWorkflowId } from '../../workflows/internal/workflow-ids';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { contents, holds } from '../support/history-contents';
import { expectExactlyOnce, expectOneOutcomePerItem } from '../support/job-assertions';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The marker sits past the 300 characters of prompt the UI memo shows, so only a copy of the whole prompt holds it. */
const MARKER = 'REFMARK9d41c2';
const PROMPT = { messages: [{ role: 'system' as const, content: `Classify the support ticket. ${'Context. '.repeat(60)}${MARKER}` }, TICKET_PROMPT.messages[1]!] };

/** "workflowExecutionStarted", "activityTaskScheduled(beginGeneration)": what an event is, for messages. */
function describeEvent(event: HistoryEvent): string {
  const key = Object.keys(event).find((k) => k.endsWith('EventAttributes') && (event as Record<string, unknown>)[k]) ?? 'unknown';
  const name = key.replace(/EventAttributes$/, '');
  const activity = event.activityTaskScheduledEventAttributes?.activityType?.name;
  return activity ? `${name}(${activity})` : name;
}

/**
 * Workflows carry references, not the spec: a job's prompt enters its history once with the start (and the
 * first step, which records it in the store); its shard workflows and their steps take the job id, generation
 * and small settings, and the activities read the spec from the store. Checked in the real histories of a job
 * with a retry and repair round, so every step that reads the spec (prepare, plan, collect, finalize) ran.
 */
describe('workflows carry references, not the spec', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ scenario: { clock: { speed: 2000 }, requestFaults: { serverErrorRate: 0.2, brokenSchemaRate: 0.2 } } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('the prompt is in the job history twice and in no shard; the job still gives every item one outcome', async () => {
    const job = await stack.client.start({
      jobId: 'refs',
      dataset: { path: writeTicketsJsonl(stack.dir, 30), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 10 },
      polling: { initialSeconds: 0.2, maxSeconds: 0.5 },
    });
    const report = await job.result();
    expectOneOutcomePerItem(report, 30);
    expectExactlyOnce(stack.emulator, 'refs');
    expect(report.rounds).toBeGreaterThan(1);

    const history = await stack.client.temporal.workflow.getHandle(job.workflowId).fetchHistory();
    const events = history.events ?? [];
    expect(events.filter((e) => holds(contents(e), MARKER)).map(describeEvent)).toEqual(['workflowExecutionStarted', 'activityTaskScheduled(beginGeneration)']);
    // the steps that need the spec ran and read it by reference
    const steps = new Set(events.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean));
    expect([...steps]).toEqual(expect.arrayContaining(['prepareJob', 'planRound', 'finalizeJob']));

    const shardIds = events.map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId).filter((id): id is string => !!id);
    expect(shardIds.length).toBeGreaterThan(3);
    for (const id of shardIds) {
      const shard = await stack.client.temporal.workflow.getHandle(id).fetchHistory();
      const holding = (shard.events ?? []).filter((e) => holds(contents(e), MARKER)).map(describeEvent);
      expect({ id, holding }).toEqual({ id, holding: [] });
      // a shard's input is its address and the job's settings: about a kilobyte whatever the prompt
      const input = shard.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data?.length ?? 0;
      expect(input).toBeLessThan(2048);
    }
  });

  it('refuses a spec over the cap at start, before anything runs', async () => {
    const start = stack.client.start({
      jobId: 'refs-too-big',
      dataset: { path: writeTicketsJsonl(stack.dir, 3, 'few.jsonl'), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: { messages: [{ role: 'system', content: 'x'.repeat(300 * 1024) }, TICKET_PROMPT.messages[1]!] },
    });
    await expect(start).rejects.toThrow(InvalidSpecError);
    await expect(start).rejects.toThrow(/the spec is 30\d KiB as JSON, over the 256 KiB a job may carry \(heaviest: prompt/);
    await expect(stack.client.temporal.workflow.getHandle(jobWorkflowId('refs-too-big')).describe()).rejects.toThrow(/not found/i);
  });
});
