import OpenAI from 'openai';
import type { EmulatorHandle } from '../../src/emulator';
import { chatLine, jsonl, openaiClient, pollBatch, uploadBatchFile, withEmulator } from './emulator-fixtures';

describe('OpenAI batch input validation', () => {
  let handle: EmulatorHandle;
  let client: OpenAI;
  beforeAll(async () => {
    handle = await withEmulator({ clock: { speed: 20_000 }, limits: { openaiMaxRequestsPerFile: 10, openaiMaxFileBytes: 4096, openaiMaxEmbeddingInputs: 3 } });
    client = openaiClient(handle);
  });
  afterAll(() => handle.stop());

  async function failedWith(content: string, endpoint: '/v1/chat/completions' | '/v1/embeddings' = '/v1/chat/completions') {
    const created = await client.batches.create({ input_file_id: await uploadBatchFile(client, content), endpoint, completion_window: '24h' });
    expect(created.status).toBe('validating');
    const { batch, seen } = await pollBatch(client, created.id);
    expect(seen[seen.length - 1]).toBe('failed');
    expect(seen).not.toContain('in_progress');
    expect(batch.failed_at).toEqual(expect.any(Number));
    expect(batch.output_file_id).toBeNull();
    return batch.errors?.data ?? [];
  }

  it('fails malformed JSONL lines with their 1-based line number', async () => {
    const errors = await failedWith(jsonl([chatLine('a', 'x'), '{"custom_id": "b", oops', chatLine('c', 'y')]));
    expect(errors).toEqual([{ code: 'invalid_json_line', message: 'This line is not parseable as valid JSON.', line: 2, param: null }]);
  });

  it('fails duplicate custom_ids, mixed models and a url that is not the endpoint', async () => {
    const errors = await failedWith(jsonl([
      chatLine('a', 'x'),
      chatLine('a', 'y'),
      chatLine('b', 'z', {}, 'gpt-4o'),
      { ...chatLine('c', 'w'), url: '/v1/embeddings' },
      { custom_id: 'd', method: 'POST', url: '/v1/chat/completions' },
    ]));
    expect(errors.map((e) => [e.code, e.line])).toEqual([
      ['duplicate_custom_id', 2],
      ['model_mismatch', 3],
      ['url_mismatch', 4],
      ['missing_required_parameter', 5],
    ]);
  });

  it('fails a file over the request limit, and an empty file', async () => {
    const tooMany = await failedWith(jsonl(Array.from({ length: 11 }, (_, i) => chatLine(`r${i}`, 'x'))));
    expect(tooMany).toEqual([expect.objectContaining({ code: 'too_many_tasks', line: null })]);
    expect(await failedWith('\n\n')).toEqual([expect.objectContaining({ code: 'empty_file' })]);
    const embeddings = jsonl([{ custom_id: 'e1', method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: ['a', 'b', 'c'] } },
      { custom_id: 'e2', method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: 'd' } }]);
    expect(await failedWith(embeddings, '/v1/embeddings')).toEqual([expect.objectContaining({ code: 'too_many_tasks', message: expect.stringMatching(/4 embedding inputs/) })]);
  });

  it('refuses an upload over the byte limit with 400, and a create with an unknown file', async () => {
    const big = jsonl(Array.from({ length: 9 }, (_, i) => chatLine(`r${i}`, 'x'.repeat(600))));
    await expect(uploadBatchFile(client, big)).rejects.toMatchObject({ status: 400, code: 'file_too_large' });
    await expect(client.batches.create({ input_file_id: 'file-nope', endpoint: '/v1/chat/completions', completion_window: '24h' }))
      .rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(client.batches.create({ input_file_id: 'file-nope', endpoint: '/v1/chat/completions', completion_window: '48h' as '24h' }))
      .rejects.toMatchObject({ status: 400, param: 'completion_window' });
  });

  it('answers invalid bodies inside a valid batch with a 400 error-file line (the output file holds only answers)', async () => {
    const created = await client.batches.create({
      input_file_id: await uploadBatchFile(client, jsonl([chatLine('ok', 'fine'), { custom_id: 'bad', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [] } }])),
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const { batch } = await pollBatch(client, created.id);
    expect(batch.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
    const read = async (fileId: string | null | undefined) => (await (await client.files.content(fileId as string)).text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect((await read(batch.output_file_id)).map((l) => l.custom_id)).toEqual(['ok']);
    expect(await read(batch.error_file_id)).toMatchObject([{ custom_id: 'bad', error: null, response: { status_code: 400, body: { error: { type: 'invalid_request_error', param: 'messages' } } } }]);
  });
});
