import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Scenario } from '../../src/emulator';
import { anthropicClient, chatLine, downloadLines, openaiClient, pollBatch, submitChatBatch, withEmulator } from './emulator-fixtures';
import { tempDir } from '../support/temp-dirs';

const SLOW: Scenario = { clock: { speed: 600 }, timing: { validatingSeconds: 6, inProgressSeconds: 900 } };

describe('emulator state in a data directory', () => {
  const dataDir = tempDir('longhaul-emulator-state-');

  it('survives a restart mid-batch: batches resume where they were, files and counters persist', async () => {
    const first = await withEmulator(SLOW, dataDir);
    const openai = openaiClient(first);
    const anthropic = anthropicClient(first);
    const created = await submitChatBatch(openai, Array.from({ length: 60 }, (_, i) => chatLine(`p-${i}`, `secret-marker text ${i}`)), { shard: 'x' });
    const message = await anthropic.messages.batches.create({
      requests: Array.from({ length: 30 }, (_, i) => ({ custom_id: `a-${i}`, params: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user' as const, content: `secret-marker ${i}` }] } })),
    });
    const partial = await pollBatch(openai, created.id, (b) => (b.request_counts?.completed ?? 0) > 5);
    await first.stop();
    const state = readFileSync(path.join(dataDir, 'state.json'), 'utf8');
    expect(state).not.toContain('secret-marker');
    expect(JSON.parse(state).openaiBatches[created.id].status).toBe('in_progress');
    expect(JSON.parse(state).clock).toEqual([expect.objectContaining({ speed: 600 })]);

    // restarted at another speed: the timeline goes on from where it was, past timestamps keep their real instants
    const second = await withEmulator({ ...SLOW, clock: { speed: 1200 } }, dataDir);
    try {
      const openai2 = openaiClient(second);
      const anthropic2 = anthropicClient(second);
      const resumed = await openai2.batches.retrieve(created.id);
      expect(resumed).toMatchObject({ id: created.id, created_at: created.created_at, in_progress_at: partial.batch.in_progress_at, metadata: { shard: 'x' } });
      expect(resumed.in_progress_at!).toBeLessThanOrEqual(Date.now() / 1000);
      expect((await anthropic2.messages.batches.retrieve(message.id)).created_at).toBe(message.created_at);
      expect(resumed.request_counts!.completed).toBeGreaterThanOrEqual(partial.batch.request_counts!.completed);
      const { batch } = await pollBatch(openai2, created.id);
      expect(batch.status).toBe('completed');
      const output = await downloadLines(openai2, batch.output_file_id);
      expect(output.map((l) => l.custom_id).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `p-${i}`).sort());
      expect(await (await openai2.files.content(batch.input_file_id)).text()).toContain('secret-marker text 59');

      let ended = await anthropic2.messages.batches.retrieve(message.id);
      while (ended.processing_status !== 'ended') {
        await new Promise((resolve) => setTimeout(resolve, 20));
        ended = await anthropic2.messages.batches.retrieve(message.id);
      }
      const results: string[] = [];
      for await (const line of await anthropic2.messages.batches.results(message.id)) results.push(line.custom_id);
      expect(results.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `a-${i}`).sort());

      const inspection = second.inspect();
      expect(inspection.createAttempts.map((a) => a.outcome)).toEqual(['ok', 'ok']);
      expect(inspection.submissions.byCustomId.openai['p-0']).toEqual({ count: 1, batches: [created.id] });
      expect(inspection.submissions.duplicates).toEqual({ openai: [], anthropic: [] });
      const another = await submitChatBatch(openai2, [chatLine('new', 'x')]);
      expect(another.id).not.toBe(created.id);
    } finally {
      await second.stop();
    }
  });
});
