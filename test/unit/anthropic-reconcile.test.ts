import { matchingAnthropicBatches } from '../../src/providers/anthropic/anthropic-reconcile';

const batch = (id: string, createdAt: number, processing: number) =>
  ({ id, created_at: new Date(createdAt).toISOString(), request_counts: { processing, succeeded: 0, errored: 0, canceled: 0, expired: 0 } }) as never;

async function* list(...batches: unknown[]) {
  yield* batches as never[];
}

describe('Anthropic reconciliation candidates (no batch metadata)', () => {
  const since = Date.parse('2026-11-28T12:00:00Z');
  const ids = async (found: Promise<Array<{ batchId: string }>>) => (await found).map((b) => b.batchId);
  it('lists the batches of the right size created since the lease, oldest first', async () => {
    const newestFirst = list(batch('b3', since + 2000, 50), batch('b2', since + 1000, 40), batch('b1', since + 500, 50), batch('b0', since - 3 * 60_000, 50));
    expect(await ids(matchingAnthropicBatches(newestFirst, since, 50))).toEqual(['b1', 'b3']);
  });
  it('leaves out batches recorded for shards or as strays', async () => {
    expect(await ids(matchingAnthropicBatches(list(batch('b2', since + 1000, 50), batch('b1', since + 500, 50)), since, 50, new Set(['b2'])))).toEqual(['b1']);
  });
  it('looks back a little before the lease for clock skew', async () => {
    expect(await ids(matchingAnthropicBatches(list(batch('b1', since - 60_000, 50)), since, 50))).toEqual(['b1']);
  });
});
