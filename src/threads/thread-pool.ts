import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { projectRoot } from '../dev/project-root';

export class ThreadError extends Error {
  override readonly name = 'ThreadError';
}

/**
 * A compiled thread script by its path under src/ (e.g. 'dataset/render-thread'): from the build when this
 * runs from it, or from dist/ when running from sources (tests). Undefined when there is none (callers then
 * do the work on their own thread).
 */
export function threadScript(name: string): string | undefined {
  const candidates = [path.join(__dirname, '..', `${name}.js`), path.join(projectRoot(), 'dist', 'src', `${name}.js`)];
  return candidates.find((file) => existsSync(file) && file.endsWith('.js'));
}

type Pending<R> = { resolve: (result: R) => void; reject: (err: Error) => void };

type Thread<R> = { worker: Worker; pending: Map<number, Pending<R>> };

/**
 * A few threads running one script: each message goes to the next thread in turn, its buffers moved rather
 * than copied, and its result comes back as a promise. The script answers each `{ id, ... }` with
 * `{ id, result }` or `{ id, error }` (see serveThread); each request carries all it needs (threads start with
 * no workerData, so pools can be shared). An idle thread does not keep the process alive, and a thread that
 * dies fails what it had and is replaced.
 */
export class ThreadPool<Request extends object, Result> {
  private readonly threads: Array<Thread<Result>>;
  private nextId = 0;
  private turn = 0;
  private closed = false;

  constructor(
    private readonly script: string,
    size: number,
    private readonly resourceLimits?: ResourceLimits,
  ) {
    this.threads = [];
    for (let i = 0; i < size; i++) this.threads.push(this.spawn(i));
  }

  get size(): number {
    return this.threads.length;
  }

  /** Requests run so far. */
  get requests(): number {
    return this.nextId;
  }

  private spawn(slot: number): Thread<Result> {
    const worker = new Worker(this.script, this.resourceLimits ? { resourceLimits: this.resourceLimits } : {});
    worker.unref();
    const thread: Thread<Result> = { worker, pending: new Map() };
    const settle = (id: number) => {
      const waiting = thread.pending.get(id);
      thread.pending.delete(id);
      if (thread.pending.size === 0) worker.unref();
      return waiting;
    };
    worker.on('message', (message: { id: number; result?: Result; error?: { message: string; stack?: string } }) => {
      const waiting = settle(message.id);
      if (!waiting) return;
      if (message.error) waiting.reject(Object.assign(new ThreadError(message.error.message), { stack: message.error.stack }));
      else waiting.resolve(message.result as Result);
    });
    const failAll = (err: Error) => {
      for (const id of [...thread.pending.keys()]) settle(id)?.reject(err);
    };
    worker.on('error', (err) => failAll(new ThreadError(`thread failed: ${err.message}`)));
    worker.on('exit', (code) => {
      failAll(new ThreadError(`thread exited (code ${code})`));
      if (!this.closed && this.threads[slot] === thread) this.threads[slot] = this.spawn(slot);
    });
    return thread;
  }

  /** Runs a request on the next thread; buffers in `transfer` move to it (do not use them after). */
  run(request: Request, transfer: ArrayBuffer[] = []): Promise<Result> {
    if (this.closed) return Promise.reject(new ThreadError('the thread pool is closed'));
    const thread = this.threads[this.turn++ % this.threads.length]!;
    const id = this.nextId++;
    return new Promise<Result>((resolve, reject) => {
      if (thread.pending.size === 0) thread.worker.ref();
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ ...request, id }, transfer);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}

/** Threads a pool gets unless told otherwise (prepare's render threads, collect's result threads): the cores, at most 4. */
export function defaultThreadCount(): number {
  return Math.min(4, availableParallelism());
}

/**
 * The V8 limits of every Longhaul thread (render, result and token threads): a small young generation. What a
 * thread allocates dies with the chunk, line or count it works on; so sized, idle result threads held ~40 MB
 * less each (200,000 items: the same speed, peak RSS ~290 MiB against 320-360), and a 100,000-item prepare
 * peaked ~70 MB lower (~330 against ~400 MiB), both at the same speed.
 */
export const THREAD_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 4 };

/** Shared pools by script and size, with how many callers hold each and the timer that closes it when idle. */
const sharedPools = new Map<string, { pool: ThreadPool<object, unknown>; holders: number; idle?: ReturnType<typeof setTimeout> }>();

/**
 * How long a shared pool outlives its last holder, warm for the next one: long enough for a burst of prepares
 * (jobs started together, a reprocess), short enough that idle threads (~50 MB each) are gone before the
 * job's collects: kept 30 s, they added ~100 MB to a 100,000-item job's peak.
 */
export const SHARED_POOL_IDLE_MS = 5_000;

/** A hold on a shared pool; `release` once done (the pool closes after SHARED_POOL_IDLE_MS with no holder). */
export interface PoolLease<Request extends object, Result> {
  pool: ThreadPool<Request, Result>;
  release(): void;
}

/**
 * A pool of `size` threads running `script`, shared by every caller in this process that asks for the same,
 * and kept for a while after the last one lets go: a thread's start and its compiler warm-up (together about
 * a third of a second of CPU per thread on a 2-core machine) are paid once per process, not once per call.
 * Idle threads do not keep the process alive. Threads get THREAD_LIMITS unless `resourceLimits` says otherwise.
 */
export function leaseSharedPool<Request extends object, Result>(
  script: string,
  size: number,
  options: { idleMs?: number; resourceLimits?: ResourceLimits } = {},
): PoolLease<Request, Result> {
  const { idleMs = SHARED_POOL_IDLE_MS, resourceLimits = THREAD_LIMITS } = options;
  const key = `${size}:${script}:${JSON.stringify(resourceLimits)}`;
  let entry = sharedPools.get(key);
  if (!entry) {
    entry = { pool: new ThreadPool<object, unknown>(script, size, resourceLimits), holders: 0 };
    sharedPools.set(key, entry);
  }
  const held = entry;
  clearTimeout(held.idle);
  held.idle = undefined;
  held.holders++;
  let released = false;
  return {
    pool: held.pool as unknown as ThreadPool<Request, Result>,
    release: () => {
      if (released) return;
      released = true;
      if (--held.holders > 0) return;
      held.idle = setTimeout(() => {
        if (sharedPools.get(key) === held) sharedPools.delete(key);
        void held.pool.close();
      }, idleMs);
      held.idle.unref();
    },
  };
}

/** Closes every shared pool now, held or not (a worker shutting down; tests). */
export async function closeSharedPools(): Promise<void> {
  const entries = [...sharedPools.values()];
  sharedPools.clear();
  for (const entry of entries) clearTimeout(entry.idle);
  await Promise.all(entries.map((entry) => entry.pool.close()));
}

/**
 * The thread side: answers each request with `handle`'s result, moving the buffers `transferOf` names.
 * Errors go back to the caller's promise.
 */
export function serveThread<Request, Result>(
  port: import('node:worker_threads').MessagePort,
  handle: (request: Request) => Result,
  transferOf: (result: Result) => ArrayBuffer[],
): void {
  port.on('message', (message: Request & { id: number }) => {
    try {
      const result = handle(message);
      port.postMessage({ id: message.id, result }, transferOf(result));
    } catch (err) {
      const error = err as Error;
      port.postMessage({ id: message.id, error: { message: error.message, stack: error.stack } });
    }
  });
}

/**
 * Runs `start` on each item with at most `inFlight` running, and yields their results in the items' order.
 * A failure surfaces when its turn comes.
 */
export async function* inOrder<T, R>(items: AsyncIterable<T>, start: (item: T) => Promise<R>, inFlight: number): AsyncGenerator<R> {
  const queue: Array<Promise<R>> = [];
  for await (const item of items) {
    const running = start(item);
    running.catch(() => undefined); // awaited in order below
    queue.push(running);
    while (queue.length >= inFlight) yield await queue.shift()!;
  }
  while (queue.length > 0) yield await queue.shift()!;
}
