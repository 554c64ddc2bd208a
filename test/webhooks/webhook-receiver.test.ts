import { createHmac, randomBytes } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { METADATA_JOB, METADATA_SHARD } from '../../src/providers/openai/openai-batch-provider';
import type { WebhookReceiver } from '../../src/webhooks/webhook-receiver';
import { shardProgressQuery, wakeShardSignal } from '../../workflows/definitions';
import { shardWorkflowId } from '../../workflows/internal/workflow-ids';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { startTestStack, type TestStack } from '../support/stack';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

/** Standard Webhooks headers for a payload, as OpenAI sends them (signature `v1,<base64 HMAC-SHA256>`). */
function signed(payload: string, options: { secret?: string; timestamp?: number; id?: string } = {}): Record<string, string> {
  const id = options.id ?? `wh_${randomBytes(8).toString('hex')}`;
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const key = Buffer.from((options.secret ?? SECRET).replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${payload}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}

function event(type: string, batchId: string): string {
  return JSON.stringify({ id: `evt_${randomBytes(8).toString('hex')}`, object: 'event', created_at: Math.floor(Date.now() / 1000), type, data: { id: batchId } });
}

async function post(url: string, payload: string, headers: Record<string, string>, method = 'POST'): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, ...(method === 'POST' ? { body: payload } : {}) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function until<T>(find: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Wake signals recorded in a workflow's history. */
async function wakeSignals(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === wakeShardSignal.name).length;
}

describe('webhook receiver: an OpenAI batch webhook wakes the waiting shard (real Temporal server, emulator)', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  const log: string[] = [];
  beforeAll(async () => {
    stack = await startTestStack();
    receiver = await stack.client.startWebhookReceiver({ port: 0, secret: SECRET, log: (line) => log.push(line) });
  });
  afterAll(async () => {
    await receiver?.stop();
    await stack?.stop();
  });

  it('refuses bad signatures without signalling, then wakes a shard that polls every 2 minutes: the job ends in seconds', async () => {
    const job = await stack.client.start({
      dataset: { path: writeTicketsJsonl(stack.dir, 5, 'webhook-tickets.jsonl'), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      polling: { initialSeconds: 120, maxSeconds: 120 },
    });
    const batch = await until(() => stack.emulator.inspect().batches.openai.find((b) => b.metadata?.[METADATA_JOB] === job.jobId && b.status === 'completed'));
    const shard = stack.client.temporal.workflow.getHandle(shardWorkflowId(batch.metadata![METADATA_SHARD]!));
    // the shard has its batch id and sleeps on its 2-minute timer: it has not polled since submitting
    await until(async () => ((await shard.query(shardProgressQuery)).batchId === batch.id ? true : undefined));
    expect(await shard.query(shardProgressQuery)).toMatchObject({ batchId: batch.id, polls: 0 });

    const payload = event('batch.completed', batch.id);
    const forged = await post(receiver.url, payload, signed(payload, { secret: `whsec_${randomBytes(32).toString('base64')}` }));
    expect(forged).toMatchObject({ status: 401, body: { ok: false } });
    const tampered = await post(receiver.url, payload.replace(batch.id, 'batch_other'), signed(payload));
    expect(tampered.status).toBe(401);
    const stale = await post(receiver.url, payload, signed(payload, { timestamp: Math.floor(Date.now() / 1000) - 3_600 }));
    expect(stale.status).toBe(401);
    const unsigned = await post(receiver.url, payload, {});
    expect(unsigned.status).toBe(400);
    expect(await wakeSignals(shard)).toBe(0);
    expect((await shard.query(shardProgressQuery)).polls).toBe(0);

    const sentAt = Date.now();
    const woken = await post(receiver.url, payload, signed(payload));
    expect(woken).toMatchObject({ status: 200, body: { ok: true, result: 'signalled', batchId: batch.id, workflowId: shard.workflowId } });
    const report = await job.result();
    expect(Date.now() - sentAt).toBeLessThan(15_000);
    expect(report).toMatchObject({ status: 'completed', total: 5 });
    expect(await wakeSignals(shard)).toBe(1);

    // a late or repeated delivery is acknowledged: the shard has closed
    const again = await post(receiver.url, payload, signed(payload));
    expect(again).toMatchObject({ status: 200, body: { result: 'shard_closed' } });
    expect(log.filter((line) => line.includes('signalled'))).toHaveLength(1);
  });

  it('acknowledges what it does not act on: other events, unknown batches; refuses other paths and methods', async () => {
    const other = event('response.completed', 'resp_123');
    expect(await post(receiver.url, other, signed(other))).toMatchObject({ status: 200, body: { result: 'ignored' } });
    const unknown = event('batch.failed', 'batch_not_ours');
    expect(await post(receiver.url, unknown, signed(unknown))).toMatchObject({ status: 200, body: { result: 'unknown_batch' } });
    const notJson = 'not json';
    expect((await post(receiver.url, notJson, signed(notJson))).status).toBe(400);
    expect((await post(receiver.url.replace('/webhooks/openai', '/other'), other, signed(other))).status).toBe(404);
    expect((await post(receiver.url, other, signed(other), 'GET')).status).toBe(405);
  });
});
