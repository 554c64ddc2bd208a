import type { LonghaulClient } from '../client/longhaul-client';
import { loadConfig } from '../config/longhaul-config';
import type { CliContext, CliOptions } from './cli-command';
import { stringFlag } from './cli-flags';

/** Where the Temporal Web UI is when neither --ui-url nor LONGHAUL_UI_URL says (the dev server's default). */
export const DEFAULT_UI_URL = 'http://localhost:8233';

/** Flags every command that talks to Temporal takes. */
export const CONNECTION_OPTIONS: CliOptions = {
  address: { type: 'string' },
  namespace: { type: 'string' },
  'ui-url': { type: 'string' },
};

export const CONNECTION_HELP = [
  'Connection:',
  '  --address HOST:PORT   Temporal frontend (default: TEMPORAL_ADDRESS, an envconfig profile, or localhost:7233)',
  '  --namespace NS        Temporal namespace (default: TEMPORAL_NAMESPACE or default)',
  `  --ui-url URL          Temporal Web UI base URL for job links (default: LONGHAUL_UI_URL or ${DEFAULT_UI_URL})`,
  'Jobs start on the task queue LONGHAUL_TASK_QUEUE (default longhaul); LONGHAUL_DATA_DIR is where inline rows',
  'are stored (default ./.longhaul). Workers must be able to read the dataset path.',
].join('\n');

/** The Web UI base URL without a trailing slash: --ui-url, else LONGHAUL_UI_URL, else the dev server default. */
export function uiUrlOf(values: CliContext['values'], env: NodeJS.ProcessEnv = process.env): string {
  return (stringFlag(values['ui-url']) ?? stringFlag(env.LONGHAUL_UI_URL) ?? DEFAULT_UI_URL).replace(/\/+$/, '');
}

/**
 * Connects the public client the way a user's code would: explicit flags first, then the environment
 * (TEMPORAL_ADDRESS and envconfig profiles, LONGHAUL_* through loadConfig). Fails within a few seconds when
 * the server does not answer.
 * @throws TemporalUnreachableError, InvalidSpecError (a bad LONGHAUL_* setting).
 */
export async function connect(ctx: Pick<CliContext, 'values'>, overrides: { taskQueue?: string } = {}): Promise<LonghaulClient> {
  const address = stringFlag(ctx.values.address);
  const namespace = stringFlag(ctx.values.namespace);
  const config = loadConfig(process.env, overrides.taskQueue ? { taskQueue: overrides.taskQueue } : {});
  // loaded on use (it brings the workflow definitions): `longhaul --help` stays quick
  const { createLonghaulClient } = await import('../client/longhaul-client.js');
  return createLonghaulClient({ config, uiUrl: uiUrlOf(ctx.values), ...(address ? { address } : {}), ...(namespace ? { namespace } : {}) });
}

/** Runs `work` with a connected client and always closes it. */
export async function withClient<T>(ctx: Pick<CliContext, 'values'>, work: (client: LonghaulClient) => Promise<T>, overrides: { taskQueue?: string } = {}): Promise<T> {
  const client = await connect(ctx, overrides);
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}
