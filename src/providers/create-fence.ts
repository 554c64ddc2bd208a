import { AsyncLocalStorage } from 'node:async_hooks';

type Fetch = typeof fetch;

/**
 * The last check that a batch create may go out, as close to the wire as a provider SDK lets it be.
 * submitExactlyOnce checks its claim right before the adapter creates (step 5), but a worker paused between
 * that check and the create (SIGSTOP, a stalled VM, a long GC) resumes and sends the create even when a later
 * attempt took the shard over meanwhile: a second batch, cancelled as a stray, but sent. So the submit runs
 * the adapter inside a fence: once the claim was checked (`armed`), the provider client's fetch (fencedFetch)
 * checks again, right before the request leaves, whenever more than `freshMs` passed since, and refuses the
 * create when the claim is gone. What remains is the time from that fetch call to the socket write.
 */
export interface CreateFence {
  /** Set when the claim was last found to be this attempt's; undefined until then (the upload is not fenced). */
  checkedAtMs?: number;
  /** The claim check (throws when the claim is lost). */
  recheck: () => Promise<void>;
  now: () => number;
  /** The error the fetch refused with, for the submit to rethrow as it is (the SDK wraps fetch errors). */
  refused?: Error;
}

/** How old a claim check may be when the create leaves; older, it is made again. */
export const FRESH_CHECK_MS = 1_000;

const fences = new AsyncLocalStorage<CreateFence>();

/** Runs `fn` (a provider submit) inside `fence`: the provider clients' fetch sees it. */
export function withCreateFence<T>(fence: CreateFence, fn: () => Promise<T>): Promise<T> {
  return fences.run(fence, fn);
}

/** A provider client's fetch that, inside an armed fence, re-checks a stale claim before a request leaves. */
export function fencedFetch(inner: Fetch): Fetch {
  return async (input, init) => {
    const fence = fences.getStore();
    if (fence?.checkedAtMs !== undefined && fence.now() - fence.checkedAtMs > FRESH_CHECK_MS) {
      try {
        await fence.recheck();
        fence.checkedAtMs = fence.now();
      } catch (err) {
        fence.refused = err as Error;
        throw err;
      }
    }
    return inner(input, init);
  };
}
