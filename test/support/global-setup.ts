import path from 'node:path';
import { startDevServer } from '../../src/dev/temporal-dev-server';
import { projectRoot } from '../../src/dev/project-root';

/**
 * One real Temporal dev server for the whole run (installed first if missing). Tests read its address from
 * TEMPORAL_TEST_ADDRESS; a suite that needs a server of its own (restarts, chaos) starts one itself.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const server = await startDevServer({
    headless: true,
    logFile: path.join(projectRoot(), '.cache', 'test-logs', 'temporal-dev-server.log'),
    startTimeoutMs: 90_000,
  });
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.LONGHAUL_TEMPORAL_CLI ??= server.executable;
  (globalThis as { __longhaulDevServer?: typeof server }).__longhaulDevServer = server;
  console.log(`\ntemporal dev server on ${server.address} (up in ${Date.now() - started} ms)`);
}
