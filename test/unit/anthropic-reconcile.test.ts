import { findLostAnthropicBatch } from '../../src/providers/anthropic/anthropic-reconcile';

const batch = (id: string, createdAt: number, processing: number) =>
  ({ id, created_at: new Date(createdAt).toISOString(), request_counts: { processing, succeeded: 0, errored: 0, canceled: 0, expired: 0 } }) as never;

async function* list(...batches: unknown[]) {
  yield* batches as never[];
}

describe('Anthropic reconciliation (no batch metadata: a heuristic)', () => {
  const intent = Date.parse('2026-11-28T12:00:00Z');
  it('adopts the one batch of the right size created since the intent', async () => {
    expect(await findLostAnthropicBatch(list(batch('b2', intent + 1000, 50), batch('b1', intent + 500, 40)), intent, 50)).toBe('b2');
  });
  it('answers nothing when several batches of that size could be it', async () => {
    expect(await findLostAnthropicBatch(list(batch('b2', intent + 1000, 50), batch('b1', intent + 500, 50)), intent, 50)).toBeUndefined();
  });
  it('skips batches already recorded for other shards, which settles the usual ambiguity', async () => {
    const found = await findLostAnthropicBatch(list(batch('b2', intent + 1000, 50), batch('b1', intent + 500, 50)), intent, 50, new Set(['b2']));
    expect(found).toBe('b1');
  });
});
