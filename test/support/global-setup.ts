import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startDevServer } from '../../src/dev/temporal-dev-server';
import { projectRoot } from '../../src/dev/project-root';
import { workflowsPath } from '../../src/worker/create-worker';
import { findPostgresBin, startPostgresServer } from '../../src/dev/postgres-server';
import { findVersitygw, startS3Server } from '../../src/dev/s3-server';
import { storeServerEnv } from './store-servers';

/**
 * One real Temporal dev server for the whole run (the CLI is installed first if missing), one workflow bundle
 * that every test worker reuses, and the servers the stores that span machines are tested against: PostgreSQL
 * and an S3-compatible server (versitygw), installed first when missing (scripts/install-*.sh). Tests read
 * their addresses from the environment (TEMPORAL_TEST_ADDRESS; test/support/store-servers.ts for the others);
 * suites that need a server of their own (restarts, chaos) start one themselves.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  // as the CLI does: the AWS SDK's notice about future Node versions is noise in test output
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const cache = path.join(projectRoot(), '.cache');
  ensureFreshDist();
  ensureInstalled('install-postgres.sh', () => findPostgresBin());
  ensureInstalled('install-versitygw.sh', () => findVersitygw());
  const [server, bundle, postgres, s3] = await Promise.all([
    startDevServer({ headless: true, logFile: path.join(cache, 'test-logs', 'temporal-dev-server.log'), startTimeoutMs: 90_000 }),
    bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: quietLogger }),
    startPostgresServer(),
    startS3Server(),
  ]);
  Object.assign(process.env, storeServerEnv(postgres, s3));
  Object.assign(globalThis, { __longhaulStoreServers: [postgres, s3] });
  const bundlePath = path.join(cache, 'test-workflow-bundle.js');
  mkdirSync(cache, { recursive: true });
  writeFileSync(bundlePath, bundle.code);
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.LONGHAUL_TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.LONGHAUL_TEMPORAL_CLI ??= server.executable;
  (globalThis as { __longhaulDevServer?: typeof server }).__longhaulDevServer = server;
  console.log(`\ntemporal dev server on ${server.address}, workflows bundled (${Date.now() - started} ms)`);
}

/** Runs one of the project's install scripts when `found` says the tool is missing. */
function ensureInstalled(script: string, found: () => string | undefined): void {
  if (found()) return;
  const run = spawnSync('bash', [path.join(projectRoot(), 'scripts', script)], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0 || !found()) throw new Error(`scripts/${script} failed: the tests need it`);
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

/**
 * dist/ as the sources are now, as the workflow bundle is: CLI tests run `bin/longhaul` from it and the thread pools
 * load their scripts from it (src/threads/thread-pool.ts), so a stale build would test old code. A no-op when it is
 * fresh (`npm test` builds first); otherwise a quick build of a second or two (scripts/build-when-stale.mjs).
 */
function ensureFreshDist(): void {
  const result = spawnSync(process.execPath, [path.join(projectRoot(), 'scripts', 'build-when-stale.mjs')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('building dist/ for the tests failed (scripts/build-when-stale.mjs)');
}
