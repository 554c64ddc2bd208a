import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The temporary directories of one test file, and their removal when it ends. Jest gives each test file a module
 * registry of its own, so this module is loaded once per file, and the afterAll below is registered while the file's
 * imports load: on the file's root block, ahead of the file's own hooks. Jest runs a block's afterAll hooks after all
 * of its nested describe blocks, and in the order they were registered, so the removal runs after every hook inside a
 * describe (where every suite here stops its stacks, servers and workers) and before any afterAll the test file
 * registers at its top level: stop what writes to a temporary directory in an afterAll inside a describe.
 */
const created: string[] = [];

afterAll(() => {
  for (const dir of created.splice(0)) {
    try {
      // retried: a process stopped a moment ago may still be writing its last file (ENOTEMPTY, EBUSY)
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // leaving one directory behind must not fail a test that passed
    }
  }
});

/**
 * A new empty directory under os.tmpdir() named `prefix` + six random characters (as mkdtempSync), removed with
 * everything in it when the test file that made it ends, whether its tests passed or failed. Callable anywhere in a
 * test file: at module level, in a describe, in a hook or in a test.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}
