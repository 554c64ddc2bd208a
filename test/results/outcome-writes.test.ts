import type { ItemOutcome } from '../../src/results/item-outcome';
import { OutcomeWrites } from '../../src/results/outcome-writes';

/** A write the test ends by hand, and what was in flight when each started. */
function controlledWrites() {
  const started: Array<{ seqs: number[]; alongside: number; end: () => void; fail: (err: Error) => void }> = [];
  let inFlight = 0;
  const write = (outcomes: ItemOutcome[]) =>
    new Promise<void>((resolve, reject) => {
      started.push({ seqs: outcomes.map((o) => o.seq), alongside: inFlight, end: resolve, fail: reject });
      inFlight++;
    }).finally(() => inFlight--);
  return { write, started };
}
const batch = (...seqs: number[]) => seqs.map((seq) => ({ seq }) as ItemOutcome);
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('OutcomeWrites (one collect\'s writes, two at a time)', () => {
  it('runs two writes at once and starts the third when one ends', async () => {
    const { write, started } = controlledWrites();
    const writes = new OutcomeWrites(write);
    await writes.add(batch(1), false);
    await writes.add(batch(2), false);
    const third = writes.add(batch(3), false);
    await tick();
    expect(started.map((s) => s.alongside)).toEqual([0, 1]);
    started[1]!.end();
    await third;
    expect(started.map((s) => s.seqs)).toEqual([[1], [2], [3]]);
    started[0]!.end();
    started[2]!.end();
    await writes.finish();
  });

  it('starts a write that repeats an item only once every earlier write has ended', async () => {
    const { write, started } = controlledWrites();
    const writes = new OutcomeWrites(write);
    await writes.add(batch(1, 2), false);
    const conflict = writes.add(batch(1), true);
    await tick();
    expect(started).toHaveLength(1);
    started[0]!.end();
    await conflict;
    expect(started[1]).toMatchObject({ seqs: [1], alongside: 0 });
    started[1]!.end();
    await writes.finish();
  });

  it('throws the first failure, after the writes in flight have ended', async () => {
    const { write, started } = controlledWrites();
    const writes = new OutcomeWrites(write);
    await writes.add(batch(1), false);
    await writes.add(batch(2), false);
    started[0]!.fail(new Error('connection lost'));
    let settled = false;
    const next = writes.add(batch(3), false).finally(() => (settled = true));
    next.catch(() => undefined);
    await tick();
    expect(settled).toBe(false); // write 2 is still in flight
    started[1]!.end();
    await expect(next).rejects.toThrow('connection lost');
    expect(started).toHaveLength(2);
    await expect(writes.finish()).rejects.toThrow('connection lost');
  });

  it('skips empty batches', async () => {
    const { write, started } = controlledWrites();
    const writes = new OutcomeWrites(write);
    await writes.add([], true);
    await writes.finish();
    expect(started).toHaveLength(0);
  });
});
