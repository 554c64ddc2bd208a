import { spawnSync } from 'node:child_process';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/search-attributes';

/**
 * Registers Longhaul's search attributes (workflows/search-attributes.ts) on a running server through the
 * Temporal CLI, one call per type. Needed for a dev server started on an existing database file: `start-dev
 * --search-attribute` registers them only when it creates the database, so attributes added by a newer Longhaul
 * would be missing and every shard start would fail. Idempotent: existing attributes of the same type are kept.
 * @returns undefined when done, or the CLI's message when it refused (e.g. a name registered with another type).
 */
export function registerSearchAttributes(executable: string, address: string, namespace = 'default'): string | undefined {
  const byType = new Map<string, string[]>();
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) byType.set(type, [...(byType.get(type) ?? []), name]);
  for (const [type, names] of byType) {
    const args = ['operator', 'search-attribute', 'create', '--address', address, '--namespace', namespace, '--type', type, ...names.flatMap((n) => ['--name', n])];
    const run = spawnSync(executable, args, { encoding: 'utf8', timeout: 15_000 });
    if (run.status !== 0) return `could not register the search attributes ${names.join(', ')} (${type}): ${(run.stderr || run.stdout || String(run.error)).trim()}`;
  }
  return undefined;
}
