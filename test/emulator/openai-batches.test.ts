import OpenAI, { toFile } from 'openai';
import type { EmulatorHandle } from '../../src/emulator';
import { chatLine, downloadLines, jsonl, openaiClient, pollBatch, submitChatBatch, withEmulator } from './emulator-fixtures';

describe('OpenAI batches: happy path', () => {
  let handle: EmulatorHandle;
  let client: OpenAI;
  beforeAll(async () => {
    handle = await withEmulator({ clock: { speed: 2000 }, timing: { validatingSeconds: 200, inProgressSeconds: 600, finalizingSeconds: 200 } });
    client = openaiClient(handle);
  });
  afterAll(() => handle.stop());

  it('runs a batch from upload to output through every status, with counts and timestamps', async () => {
    const lines = Array.from({ length: 5 }, (_, i) => chatLine(`item-${i}`, `Review number ${i}: the blender is great`));
    const created = await submitChatBatch(client, lines, { shard: 's1' });
    expect(created).toMatchObject({ object: 'batch', status: 'validating', endpoint: '/v1/chat/completions', metadata: { shard: 's1' } });
    // the 24 h window compressed like every duration: 86,400 s at 2000x is 43.2 real seconds
    expect(created.expires_at! - created.created_at).toBeGreaterThanOrEqual(43);
    expect(created.expires_at! - created.created_at).toBeLessThanOrEqual(44);
    const started = Date.now();
    const { batch, seen } = await pollBatch(client, created.id);
    expect(Date.now() - started).toBeLessThan(2500);
    // Each phase lasts 100-300 ms real; a poll on a loaded machine may still miss one, the timestamps may not.
    const order = ['validating', 'in_progress', 'finalizing', 'completed'];
    expect(seen.map((s) => order.indexOf(s))).toEqual([...seen.map((s) => order.indexOf(s))].sort());
    expect(seen).toContain('in_progress');
    expect(seen[seen.length - 1]).toBe('completed');
    expect(batch.request_counts).toEqual({ total: 5, completed: 5, failed: 0 });
    expect(batch.in_progress_at).toBeGreaterThanOrEqual(batch.created_at);
    expect(batch.finalizing_at).toBeGreaterThanOrEqual(batch.in_progress_at as number);
    expect(batch.completed_at).toBeGreaterThanOrEqual(batch.finalizing_at as number);
    expect(batch.error_file_id).toBeNull();
    const output = await downloadLines(client, batch.output_file_id);
    expect(output.map((l) => l.custom_id).sort()).toEqual(lines.map((l) => l.custom_id).sort());
    for (const line of output) {
      expect(line).toMatchObject({ id: expect.stringMatching(/^batch_req_/), error: null, response: { status_code: 200, request_id: expect.any(String) } });
      expect(line.response?.body).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ message: { role: 'assistant' } }] });
      const usage = line.response?.body.usage;
      expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? NaN) + (usage?.completion_tokens ?? NaN));
    }
  });

  it('counts a custom_id submitted twice by one job as a duplicate, not one reused by another job; answers with the wall clock as Date', async () => {
    const lines = [chatLine('i0-g0-r0', 'Review: fine')];
    const a = await submitChatBatch(client, lines, { longhaul_job: 'dup-a', longhaul_shard: 'dup-a/g0/r0/s0' });
    await submitChatBatch(client, lines, { longhaul_job: 'dup-b', longhaul_shard: 'dup-b/g0/r0/s0' });
    expect(handle.inspect().submissions.duplicates.openai).toEqual([]);
    await submitChatBatch(client, lines, { longhaul_job: 'dup-a', longhaul_shard: 'dup-a/g0/r0/s0' });
    expect(handle.inspect().submissions.duplicates.openai).toEqual(['i0-g0-r0']);
    const { data, response } = await client.batches.retrieve(a.id).withResponse();
    // durations compress, the clock does not run ahead: Date is the wall clock, and created_at is not after it
    const serverNow = Date.parse(response.headers.get('date')!);
    expect(Math.abs(serverNow - Date.now())).toBeLessThan(2000);
    expect(data.created_at * 1000).toBeLessThanOrEqual(serverNow);
    expect(handle.inspect().clock.now * 1000).toBeLessThanOrEqual(Date.now());
  });

  it('answers chat completions synchronously, deterministically', async () => {
    const ask = () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Summarize: cats sleep all afternoon' }] });
    const [a, b] = [await ask(), await ask()];
    expect(a.choices[0]?.message.content).toBe(b.choices[0]?.message.content);
    expect(a.choices[0]?.message.content).toMatch(/cats|sleep|afternoon/);
    expect(a.usage?.prompt_tokens).toBeGreaterThan(0);
  });
});

describe('OpenAI batches: listing, files, progress and cancel', () => {
  let handle: EmulatorHandle;
  let client: OpenAI;
  beforeAll(async () => {
    handle = await withEmulator({ clock: { speed: 600 }, timing: { validatingSeconds: 6, inProgressSeconds: 600, finalizingSeconds: 6, cancellingSeconds: 300 } });
    client = openaiClient(handle);
  });
  afterAll(() => handle.stop());

  it('lists batches newest first with cursor pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await submitChatBatch(client, [chatLine(`p-${i}`, 'hello')])).id);
    const first = await client.batches.list({ limit: 2 });
    expect(first.data.map((b) => b.id)).toEqual([ids[4], ids[3]]);
    expect(first.has_more).toBe(true);
    const all: string[] = [];
    for await (const batch of client.batches.list({ limit: 2 })) all.push(batch.id);
    expect(all).toEqual([...ids].reverse());
    const raw = await fetch(`${handle.openaiBaseURL}/batches?limit=2&after=${ids[3]}`).then((r) => r.json());
    expect(raw).toMatchObject({ object: 'list', first_id: ids[2], last_id: ids[1], has_more: true });
    await Promise.all(ids.map((id) => client.batches.cancel(id)));
  });

  it('uploads, retrieves, lists, downloads and deletes files', async () => {
    const content = jsonlOf(3);
    const file = await client.files.create({ file: await toFile(Buffer.from(content), 'three.jsonl'), purpose: 'batch' });
    expect(file).toMatchObject({ object: 'file', purpose: 'batch', filename: 'three.jsonl', bytes: Buffer.byteLength(content), status: 'processed' });
    expect(await client.files.retrieve(file.id)).toMatchObject({ id: file.id, bytes: file.bytes });
    expect(await (await client.files.content(file.id)).text()).toBe(content);
    const listed: string[] = [];
    for await (const f of client.files.list({ purpose: 'batch' })) listed.push(f.id);
    expect(listed).toContain(file.id);
    expect(await client.files.delete(file.id)).toEqual({ id: file.id, object: 'file', deleted: true });
    await expect(client.files.retrieve(file.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('shows request_counts moving while in progress', async () => {
    const created = await submitChatBatch(client, Array.from({ length: 40 }, (_, i) => chatLine(`m-${i}`, `text ${i}`)));
    await client.files.delete(created.input_file_id); // the running batch keeps its input
    const partial = await pollBatch(client, created.id, (b) => b.status === 'in_progress' && b.request_counts!.completed > 0 && b.request_counts!.completed < 40);
    expect(partial.batch.request_counts?.total).toBe(40);
    const { batch } = await pollBatch(client, created.id);
    expect(batch.status).toBe('completed');
    expect(batch.request_counts).toEqual({ total: 40, completed: 40, failed: 0 });
  });

  it('cancels slowly: cancelling for a while, then cancelled with partial results and a batch_cancelled error line for every request never run', async () => {
    const created = await submitChatBatch(client, Array.from({ length: 40 }, (_, i) => chatLine(`c-${i}`, `text ${i}`)));
    await pollBatch(client, created.id, (b) => (b.request_counts?.completed ?? 0) >= 5);
    const cancelStarted = Date.now();
    const cancelling = await client.batches.cancel(created.id);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.cancelling_at).toEqual(expect.any(Number));
    const { batch, seen } = await pollBatch(client, created.id);
    expect(seen).toEqual(['cancelling', 'cancelled']);
    expect(Date.now() - cancelStarted).toBeGreaterThanOrEqual(400); // 300 emulated seconds at 600x
    const done = batch.request_counts?.completed ?? 0;
    expect(done).toBeGreaterThanOrEqual(5);
    expect(done).toBeLessThan(40);
    expect(batch.request_counts).toEqual({ total: 40, completed: done, failed: 40 - done });
    expect(batch.cancelled_at!).toBeGreaterThanOrEqual(batch.cancelling_at!);
    const output = await downloadLines(client, batch.output_file_id);
    expect(output).toHaveLength(done);
    const never = await downloadLines(client, batch.error_file_id);
    expect(never).toHaveLength(40 - done);
    expect(never.every((l) => l.response === null && l.error?.code === 'batch_cancelled' && /^batch_req_/.test(l.id))).toBe(true);
    expect([...output, ...never].map((l) => l.custom_id).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `c-${i}`).sort());
    await expect(client.batches.cancel(created.id)).rejects.toBeInstanceOf(OpenAI.ConflictError);
  });

  it('cancels a batch still validating: every request reported batch_cancelled, no output file', async () => {
    handle.setScenario({ timing: { validatingSeconds: 6_000, inProgressSeconds: 600, finalizingSeconds: 6, cancellingSeconds: 6 } });
    try {
      const created = await submitChatBatch(client, Array.from({ length: 3 }, (_, i) => chatLine(`v-${i}`, `text ${i}`)));
      expect((await client.batches.cancel(created.id)).status).toBe('cancelling');
      const { batch } = await pollBatch(client, created.id);
      expect(batch).toMatchObject({ status: 'cancelled', output_file_id: null, in_progress_at: null, request_counts: { total: 3, completed: 0, failed: 3 } });
      expect((await downloadLines(client, batch.error_file_id)).map((l) => l.error?.code)).toEqual(['batch_cancelled', 'batch_cancelled', 'batch_cancelled']);
    } finally {
      handle.setScenario({ timing: { validatingSeconds: 6, inProgressSeconds: 600, finalizingSeconds: 6, cancellingSeconds: 300 } });
    }
  });
});

function jsonlOf(n: number): string {
  return jsonl(Array.from({ length: n }, (_, i) => chatLine(`f-${i}`, `file line ${i}`)));
}
