import Ajv from 'ajv';
import OpenAI from 'openai';
import type { EmulatorHandle, Scenario } from '../../src/emulator';
import { chatLine, downloadLines, openaiClient, pollBatch, submitChatBatch, withEmulator } from './emulator-fixtures';

const FAST: Scenario = { clock: { speed: 20_000 } };
const NO_FAULTS: Scenario = { requestFaults: {}, batchFaults: [], createFaults: [], endpointFaults: [], quotas: {}, retrieveNotFoundSeconds: 0, timing: {} };
const lines = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => chatLine(`${prefix}-${i}`, `request ${i} about apples`));

describe('OpenAI faults', () => {
  let handle: EmulatorHandle;
  let client: OpenAI;
  beforeAll(async () => {
    handle = await withEmulator(FAST);
    client = openaiClient(handle, 5_000);
  });
  afterAll(() => handle.stop());
  afterEach(() => handle.setScenario(NO_FAULTS));

  it('puts only answered requests in the output file; 4xx, 5xx and 429 go to the error file, deterministically', async () => {
    const scenario: Scenario = { ...FAST, seed: 's1', requestFaults: { invalidRequestRate: 0.2, serverErrorRate: 0.2, rateLimitRate: 0.2 } };
    handle.setScenario(scenario);
    const { batch } = await pollBatch(client, (await submitChatBatch(client, lines(50, 'rf'))).id);
    const output = await downloadLines(client, batch.output_file_id);
    const errors = await downloadLines(client, batch.error_file_id);
    expect(output.every((l) => l.response?.status_code === 200 && l.error === null)).toBe(true);
    const invalid = errors.filter((l) => l.response?.status_code === 400);
    const serverErrors = errors.filter((l) => l.response?.status_code === 500);
    const rateLimited = errors.filter((l) => l.response === null && l.error?.code === 'rate_limit_exceeded');
    expect(invalid.length).toBeGreaterThan(0);
    expect(invalid.every((l) => l.error === null && l.response?.body.error?.type === 'invalid_request_error' && /^req_/.test(l.response.request_id))).toBe(true);
    expect(serverErrors.length).toBeGreaterThan(0);
    expect(rateLimited.length).toBeGreaterThan(0);
    expect(output.length + invalid.length + serverErrors.length + rateLimited.length).toBe(50);
    expect(batch.request_counts).toEqual({ total: 50, completed: output.length, failed: errors.length });
    const failedIds = errors.map((l) => l.custom_id).sort();

    const other = await withEmulator(scenario);
    try {
      const otherClient = openaiClient(other);
      const { batch: again } = await pollBatch(otherClient, (await submitChatBatch(otherClient, lines(50, 'rf'))).id);
      const againFailed = await downloadLines(otherClient, again.error_file_id);
      expect(againFailed.map((l) => l.custom_id).sort()).toEqual(failedIds);
    } finally {
      await other.stop();
    }
  });

  it('has no output file when every request failed', async () => {
    handle.setScenario({ requestFaults: { invalidRequestRate: 1 } });
    const { batch } = await pollBatch(client, (await submitChatBatch(client, lines(4, 'all-bad'))).id);
    expect(batch).toMatchObject({ status: 'completed', output_file_id: null, request_counts: { total: 4, completed: 0, failed: 4 } });
    expect((await downloadLines(client, batch.error_file_id)).map((l) => l.response?.status_code)).toEqual([400, 400, 400, 400]);
  });

  it('breaks schema-constrained answers at brokenSchemaRate', async () => {
    handle.setScenario({ requestFaults: { brokenSchemaRate: 1 } });
    const schema = { type: 'object', properties: { topic: { type: 'string' }, score: { type: 'integer' } }, required: ['topic', 'score'], additionalProperties: false };
    const format = { response_format: { type: 'json_schema', json_schema: { name: 'out', schema, strict: true } } };
    const { batch } = await pollBatch(client, (await submitChatBatch(client, Array.from({ length: 10 }, (_, i) => chatLine(`bs-${i}`, `text ${i}`, format)))).id);
    const validate = new Ajv().compile(schema);
    for (const line of await downloadLines(client, batch.output_file_id)) {
      const content = line.response?.body.choices[0]?.message.content ?? '';
      let valid = false;
      try {
        valid = validate(JSON.parse(content));
      } catch {
        valid = false;
      }
      expect(valid).toBe(false);
    }
  });

  it('fails a batch in validation when a fail_validation fault fires', async () => {
    handle.setScenario({ batchFaults: [{ kind: 'fail_validation', code: 'scripted', message: 'nope', count: 1 }] });
    const { batch } = await pollBatch(client, (await submitChatBatch(client, lines(3, 'fv'))).id);
    expect(batch.status).toBe('failed');
    expect(batch.errors?.data).toEqual([{ code: 'scripted', message: 'nope', line: null, param: null }]);
    const next = await pollBatch(client, (await submitChatBatch(client, lines(3, 'fv2'))).id);
    expect(next.batch.status).toBe('completed');
  });

  it('expires part-way: completed lines in the output, the rest batch_expired in the error file', async () => {
    handle.setScenario({ timing: { completionWindowSeconds: 3600 }, batchFaults: [{ kind: 'expire', atFraction: 0.5 }] });
    const { batch, seen } = await pollBatch(client, (await submitChatBatch(client, lines(20, 'ex'))).id);
    expect(seen[seen.length - 1]).toBe('expired');
    expect(batch.expired_at).toBe(batch.expires_at);
    expect(batch.expires_at! - batch.created_at).toBeLessThanOrEqual(1); // 3600 emulated seconds at 20,000x: 0.18 real s
    expect(batch.request_counts).toEqual({ total: 20, completed: 10, failed: 10 });
    expect(batch.error_file_id).toEqual(expect.any(String));
    expect(await downloadLines(client, batch.output_file_id)).toHaveLength(10);
    const expired = await downloadLines(client, batch.error_file_id);
    expect(expired).toHaveLength(10);
    expect(expired.every((l) => l.response === null && l.error?.code === 'batch_expired')).toBe(true);
  });

  it('stalls a batch until it expires, or forever', async () => {
    handle.setScenario({ timing: { completionWindowSeconds: 3600 }, batchFaults: [{ kind: 'stall', atFraction: 0, count: 1 }, { kind: 'stall', atFraction: 0.25, forever: true }] });
    const untilExpiry = await pollBatch(client, (await submitChatBatch(client, lines(4, 'st'))).id);
    expect(untilExpiry.batch.status).toBe('expired');
    expect(untilExpiry.batch.output_file_id).toBeNull();
    const forever = await submitChatBatch(client, lines(4, 'sf'));
    // a real second past expires_at is 20,000 emulated seconds past it
    await pollBatch(client, forever.id, () => Date.now() / 1000 > (forever.expires_at ?? 0) + 1);
    const stuck = await client.batches.retrieve(forever.id);
    expect(stuck.status).toBe('in_progress');
    expect(stuck.request_counts).toEqual({ total: 4, completed: 1, failed: 0 });
    await client.batches.cancel(forever.id);
  });

  it('creates the batch but loses the response (500, or a dropped connection)', async () => {
    handle.setScenario({ createFaults: [{ response: 'status_500', count: 1 }, { response: 'close', count: 1 }] });
    await expect(submitChatBatch(client, lines(2, 'lost1'), { attempt: 'a1' })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(submitChatBatch(client, lines(2, 'lost2'), { attempt: 'a2' })).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    const tagged: Record<string, string> = {};
    for await (const b of client.batches.list()) if (b.metadata?.attempt) tagged[b.metadata.attempt] = b.id;
    expect(Object.keys(tagged).sort()).toEqual(['a1', 'a2']);
    const inspection = handle.inspect();
    const lost = inspection.createAttempts.filter((a) => a.outcome === 'response_lost');
    expect(lost.map((a) => [a.batchId, a.httpStatus])).toEqual([[tagged.a1, 500], [tagged.a2, 0]]);
    expect(inspection.submissions.byCustomId.openai['lost1-0']).toEqual({ count: 1, batches: [tagged.a1] });
  });

  it('answers 404 on retrieve for a short emulated time after create', async () => {
    // 40,000 emulated seconds is 2 real seconds at this speed: long enough that a loaded machine still sees the
    // first retrieve inside the window, short enough to wait out.
    handle.setScenario({ retrieveNotFoundSeconds: 40_000 });
    const created = await submitChatBatch(client, lines(1, 'nf'));
    await expect(client.batches.retrieve(created.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    let notFoundCount = 1;
    const started = Date.now();
    for (;;) {
      const found = await client.batches.retrieve(created.id).catch((err: unknown) => {
        if (!(err instanceof OpenAI.NotFoundError)) throw err;
        notFoundCount += 1;
        return undefined;
      });
      if (found) break;
      expect(Date.now() - started).toBeLessThan(10_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const batch = await client.batches.retrieve(created.id);
    expect(notFoundCount).toBeGreaterThan(1);
    expect(batch.id).toBe(created.id);
  });

  it('over the enqueued-token quota accepts the create and fails the batch (token_limit_exceeded), or refuses it (400, 429) when told to', async () => {
    const quota = { openaiEnqueuedTokens: { 'gpt-4o-mini': 60 } };
    handle.setScenario({ timing: { inProgressSeconds: 10_000_000 }, quotas: quota });
    const first = await submitChatBatch(client, lines(3, 'q1'));
    const accepted = await submitChatBatch(client, lines(3, 'q2'));
    expect(accepted.status).toBe('validating');
    const failed = await pollBatch(client, accepted.id);
    expect(failed.batch).toMatchObject({ status: 'failed', output_file_id: null, error_file_id: null, request_counts: { total: 0, completed: 0, failed: 0 } });
    expect(failed.batch.errors?.data).toEqual([{ code: 'token_limit_exceeded', message: expect.stringMatching(/^Enqueued token limit reached for gpt-4o-mini\b/), line: null, param: null }]);
    expect(failed.batch.failed_at).toEqual(expect.any(Number));
    handle.setScenario({ quotas: { ...quota, openaiOnExceeded: 'reject_400' } });
    await expect(submitChatBatch(client, lines(3, 'q3'))).rejects.toMatchObject({ status: 400, code: 'token_limit_exceeded' });
    handle.setScenario({ quotas: { ...quota, openaiOnExceeded: 'reject_429' } });
    const rateLimited = await submitChatBatch(client, lines(3, 'q4')).catch((err: unknown) => err);
    expect(rateLimited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((rateLimited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after-ms')).toBe('1000');
    expect(handle.inspect().createAttempts.filter((a) => a.outcome === 'quota_exceeded')).toHaveLength(2);
    await client.batches.cancel(first.id);
    await pollBatch(client, first.id);
    handle.setScenario({ timing: {}, quotas: quota });
    const roomAgain = await pollBatch(client, (await submitChatBatch(client, lines(3, 'q5'))).id);
    expect(roomAgain.batch.status).toBe('completed');
  });

  it('answers a 429 insufficient_quota with error type insufficient_quota (a rate limit keeps type requests)', async () => {
    handle.setScenario({ endpointFaults: [{ method: 'POST', path: '/v1/chat/completions', status: 429, code: 'insufficient_quota', message: 'You exceeded your current quota, please check your plan and billing details.', count: 1 }, { method: 'POST', path: '/v1/chat/completions', status: 429, code: 'rate_limit_exceeded', count: 1 }] });
    const ask = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((err: unknown) => err as InstanceType<typeof OpenAI.RateLimitError>);
    const quota = await ask();
    expect(quota).toBeInstanceOf(OpenAI.RateLimitError);
    expect(quota).toMatchObject({ status: 429, code: 'insufficient_quota', type: 'insufficient_quota' });
    expect(await ask()).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'requests' });
  });

  it('applies endpoint faults: status with retry-after, hang until timeout, closed socket, after/count', async () => {
    const created = await submitChatBatch(client, lines(1, 'ef'));
    handle.setScenario({ endpointFaults: [{ method: 'GET', path: '/v1/batches/*', status: 503, retryAfterSeconds: 2, after: 1, count: 2 }] });
    await expect(client.batches.retrieve(created.id)).resolves.toMatchObject({ id: created.id });
    const failure = await client.batches.retrieve(created.id).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((failure as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('2');
    expect((failure as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after-ms')).toBe('2000');
    await expect(client.batches.retrieve(created.id)).rejects.toMatchObject({ status: 503 });
    await expect(client.batches.retrieve(created.id)).resolves.toMatchObject({ id: created.id });

    handle.setScenario({ endpointFaults: [{ path: '/v1/files/**', action: 'hang', count: 1 }, { path: '^/v1/files$', action: 'close', count: 1 }] });
    // Under jest the SDK sees the abort as a plain connection error (the DOMException comes from another realm),
    // so assert on the time it took: the request hung until the client's 300 ms timeout.
    const started = Date.now();
    await expect(openaiClient(handle, 300).files.retrieve('file-x')).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await expect(client.files.list()).rejects.toBeInstanceOf(OpenAI.APIConnectionError);
    await expect(client.files.retrieve('file-x')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('takes a scenario over HTTP mid-job', async () => {
    handle.setScenario({ timing: { inProgressSeconds: 20_000 } });
    const created = await submitChatBatch(client, lines(30, 'mid'));
    await pollBatch(client, created.id, (b) => (b.request_counts?.completed ?? 0) > 0);
    const response = await fetch(`${handle.url}/_emulator/scenario`, { method: 'POST', body: JSON.stringify({ requestFaults: { serverErrorRate: 1 } }) });
    expect(response.status).toBe(200);
    const { batch } = await pollBatch(client, created.id);
    expect(batch.request_counts?.failed).toBeGreaterThan(0);
    expect(batch.request_counts?.completed).toBeGreaterThan(0);
    const bad = await fetch(`${handle.url}/_emulator/scenario`, { method: 'POST', body: JSON.stringify({ clock: { speed: -1 } }) });
    expect(bad.status).toBe(400);
  });
});
