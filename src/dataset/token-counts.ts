import { leaseSharedPool, threadScript } from '../threads/thread-pool';
import { TimeSlice } from './time-slice';
import { countTokens } from './token-estimator';

/**
 * The o200k token counts of `texts` (countTokens of each), counted on a thread (token-thread.ts) shared by
 * the prepares counting at the time and closed as soon as none is. The tokenizer's tables (~50 MB of RSS once
 * loaded) then live only while prepares count, not for the rest of a worker's life, nor (kept warm a few
 * seconds like other pools) into the collects that follow a small job's prepare. A thread costs ~0.3 s to
 * start and load the tokenizer, once per prepare. Without the built thread script (ts-jest from sources),
 * counts here, a turn of the event loop between texts.
 */
export async function countTokensOffThread(texts: string[]): Promise<number[]> {
  if (texts.length === 0) return [];
  const script = threadScript('dataset/token-thread');
  if (!script) return countHere(texts);
  const lease = leaseSharedPool<{ texts: string[] }, number[]>(script, 1, { idleMs: 0 });
  try {
    return await lease.pool.run({ texts }, []);
  } finally {
    lease.release();
  }
}

async function countHere(texts: string[]): Promise<number[]> {
  const slice = new TimeSlice();
  const counts: number[] = [];
  for (const text of texts) {
    counts.push(countTokens(text));
    if (slice.spent()) await slice.pause();
  }
  return counts;
}
