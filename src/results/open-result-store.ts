import type { LonghaulConfig } from '../config/longhaul-config';
import { PostgresResultStore } from './postgres-result-store';
import type { ResultStore } from './result-store';
import { SqliteResultStore } from './sqlite-result-store';

/**
 * The result store the configuration names (LONGHAUL_RESULT_STORE): a SQLite file (one machine), or PostgreSQL
 * (workers on many machines). Ready to use: tables created, the database reached.
 * @throws StorageUnavailableError in one line when PostgreSQL cannot be reached or used.
 */
export async function openResultStore(location: LonghaulConfig['results']): Promise<ResultStore> {
  return location.kind === 'sqlite' ? new SqliteResultStore(location.file) : PostgresResultStore.open(location.url);
}
