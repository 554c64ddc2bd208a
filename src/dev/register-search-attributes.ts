import { spawnSync } from 'node:child_process';
import { SEARCH_ATTRIBUTE_TYPES } from '../contracts/search-attributes';

/**
 * Registers Longhaul's search attributes (src/contracts/search-attributes.ts) that a running server lacks, through
 * the Temporal CLI. Needed for a dev server started on an existing database file: `start-dev --search-attribute`
 * registers them only when it creates the database, so attributes added by a newer Longhaul would be missing and
 * every shard start would fail. One call per missing attribute (the CLI's `create` takes one type per name).
 * @returns undefined when all are there, or the CLI's message when it refused (e.g. no free column of that type).
 */
export function registerSearchAttributes(executable: string, address: string, namespace = 'default'): string | undefined {
  const cli = (args: string[]) => spawnSync(executable, [...args, '--address', address, '--namespace', namespace], { encoding: 'utf8', timeout: 15_000 });
  const listed = cli(['operator', 'search-attribute', 'list']);
  if (listed.status !== 0) return `could not list the search attributes: ${(listed.stderr || String(listed.error)).trim()}`;
  const existing = new Set(listed.stdout.split('\n').map((line) => line.trim().split(/\s+/)[0]));
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) {
    if (existing.has(name)) continue;
    const created = cli(['operator', 'search-attribute', 'create', '--name', name, '--type', type]);
    if (created.status !== 0) return `could not register the search attribute ${name} (${type}): ${(created.stderr || created.stdout || String(created.error)).trim()}`;
  }
  return undefined;
}
