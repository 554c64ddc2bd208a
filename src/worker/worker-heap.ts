import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets a worker's old generation grow past what the last full collection kept before it collects
 * again: 20%, where V8's own factor goes up to 4x. A worker's heap is mostly garbage that lived a little too
 * long (outcomes on their way to the store, rendered chunks on their way to a file): 4x let it reach ~200 MB
 * from ~50 MB live during four collects, so a 100,000-item job peaked at ~500 MiB RSS; at 20% the heap stays
 * near 100 MB and the peak near 400 MiB, at the same speed (figures in ARCHITECTURE.md).
 */
export const WORKER_HEAP_GROWING_PERCENT = 20;

/**
 * Sets V8's heap growing factor for this process (its threads share it) unless node was started with one
 * (`node --heap-growing-percent=N bin/longhaul.js worker` keeps N). Process-wide, so only the `longhaul
 * worker` process does it, not a worker created inside someone else's application.
 */
export function tuneWorkerHeap(execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some((arg) => arg.startsWith('--heap-growing-percent') || arg.startsWith('--heap_growing_percent'))) return;
  setFlagsFromString(`--heap-growing-percent=${WORKER_HEAP_GROWING_PERCENT}`);
}
