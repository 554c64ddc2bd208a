import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startDevServer } from '../../src/dev/temporal-dev-server';
import { projectRoot } from '../../src/dev/project-root';
import { workflowsPath } from '../../src/worker/create-worker';

/**
 * One real Temporal dev server for the whole run (the CLI is installed first if missing), and one
 * workflow bundle that every test worker reuses. Tests read the server's address from
 * TEMPORAL_TEST_ADDRESS; suites that need a server of their own (restarts, chaos) start one themselves.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const cache = path.join(projectRoot(), '.cache');
  const [server, bundle] = await Promise.all([
    startDevServer({ headless: true, logFile: path.join(cache, 'test-logs', 'temporal-dev-server.log'), startTimeoutMs: 90_000 }),
    bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietLogger }),
  ]);
  const bundlePath = path.join(cache, 'test-workflow-bundle.js');
  mkdirSync(cache, { recursive: true });
  writeFileSync(bundlePath, bundle.code);
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.LONGHAUL_TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.LONGHAUL_TEMPORAL_CLI ??= server.executable;
  (globalThis as { __longhaulDevServer?: typeof server }).__longhaulDevServer = server;
  console.log(`\ntemporal dev server on ${server.address}, workflows bundled (${Date.now() - started} ms)`);
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
