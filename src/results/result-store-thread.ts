import { parentPort, workerData } from 'node:worker_threads';
import { SqliteResultStore } from './sqlite-result-store';

/**
 * The body of the result store's own thread: one SQLite connection, serving calls posted by
 * ThreadedResultStore in order. Errors travel back as name + message.
 */
export interface StoreCall {
  id: number;
  method: string;
  args: unknown[];
}

export type StoreReply = { id: number; value: unknown } | { id: number; error: { name: string; message: string } };

if (parentPort && workerData?.longhaulResultStore) {
  const port = parentPort;
  const store = new SqliteResultStore((workerData as { file: string }).file) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (call: StoreCall) => {
    // one call at a time, in arrival order: SQLite transactions must not interleave
    queue = queue.then(async () => {
      try {
        port.postMessage({ id: call.id, value: await store[call.method]!(...call.args) } satisfies StoreReply);
      } catch (err) {
        const error = err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
        port.postMessage({ id: call.id, error } satisfies StoreReply);
      }
    });
  });
}
