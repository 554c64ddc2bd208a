import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../dev/project-root';

let version: string | undefined;

/** Longhaul's version from its package.json (for the worker info metric and `--version`-like output). */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
