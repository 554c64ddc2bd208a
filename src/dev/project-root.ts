import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

/**
 * The folder of the longhaul package itself (where package.json names "longhaul"), found by walking up
 * from this file, so it is right from sources (ts) and from the build (dist/src/dev).
 */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'longhaul') {
      cached = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`longhaul: package root not found above ${__dirname}`);
    dir = parent;
  }
}
