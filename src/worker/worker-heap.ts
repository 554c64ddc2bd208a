import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets a worker's old generation grow past what the last full collection kept before it collects
 * again: 50%, where V8's own factor goes up to 4x. A worker's heap is mostly garbage that lived just long
 * enough to be promoted (outcomes on their way to the store, chunks on their way to a file): at 4x it reached
 * ~200 MB with ~50 MB live during four collects. Measured on a 100,000-item job (medians of 3 runs, ARCHITECTURE.md):
 * 4x peaked at ~490 MiB on 6.7 s of worker CPU; 100% at ~445 on 6.7 s; 50% at ~415 on 7.2 s; 20% at ~400 on 8.5 s.
 */
export const WORKER_HEAP_GROWING_PERCENT = 50;

/**
 * Sets V8's heap growing factor for this process (its threads share it) unless node was started with one
 * (`node --heap-growing-percent=N bin/longhaul.js worker` keeps N). Process-wide, so only the `longhaul
 * worker` process does it, not a worker created inside someone else's application.
 */
export function tuneWorkerHeap(execArgv: readonly string[] = process.execArgv): void {
  if (execArgv.some((arg) => arg.startsWith('--heap-growing-percent') || arg.startsWith('--heap_growing_percent'))) return;
  setFlagsFromString(`--heap-growing-percent=${WORKER_HEAP_GROWING_PERCENT}`);
}
