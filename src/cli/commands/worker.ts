import { loadConfig } from '../../config/longhaul-config';
import type { CliCommand } from '../cli-command';
import { RUNTIME_OPTIONS, runtimeFlags, runtimeHelp } from '../runtime-flags';

/** `longhaul worker`: a worker against any Temporal (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS/API key profiles). */
export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'Run a worker against a Temporal server (TEMPORAL_ADDRESS and friends)',
  usage: '[--address HOST:PORT] [--namespace NS] [--task-queue Q] [--data-dir DIR] [--build-id ID [--deployment-name NAME] [--versioning-behavior auto-upgrade|pinned]] [--metrics-port N] [--log-level L] [--log-format text|json]',
  help: [
    '  --address HOST:PORT   Temporal frontend (default: TEMPORAL_ADDRESS, a profile, or localhost:7233)',
    '  --namespace NS        Temporal namespace (default: TEMPORAL_NAMESPACE or default)',
    '  --task-queue Q        task queue (default: LONGHAUL_TASK_QUEUE or longhaul)',
    '  --data-dir DIR        blobs and the result database (default: LONGHAUL_DATA_DIR or ./.longhaul)',
    '  --build-id ID         run as this Worker Deployment Version (default: LONGHAUL_BUILD_ID; unset: unversioned);',
    '                        the server routes tasks to it once it is current: temporal worker deployment',
    '                        set-current-version --deployment-name NAME --build-id ID (docs/versioning.md)',
    '  --deployment-name N   the Worker Deployment (default: LONGHAUL_DEPLOYMENT_NAME or longhaul)',
    '  --versioning-behavior auto-upgrade (default: workflows move to the current version; changes behind',
    '                        patched()) or pinned (a job stays on the version that started it)',
    runtimeHelp('INFO'),
    'Provider keys come from OPENAI_API_KEY, ANTHROPIC_API_KEY, AZURE_OPENAI_API_KEY (and *_BASE_URL).',
    'Any number of workers may share a task queue. SIGINT/SIGTERM stop it gracefully.',
  ].join('\n'),
  options: {
    address: { type: 'string' },
    namespace: { type: 'string' },
    'task-queue': { type: 'string' },
    'data-dir': { type: 'string' },
    'build-id': { type: 'string' },
    'deployment-name': { type: 'string' },
    'versioning-behavior': { type: 'string' },
    ...RUNTIME_OPTIONS,
  },
  // stops on ctx.interrupted and cleans up (see main's interruption)
  handlesInterruption: true,
  async run(ctx) {
    const v = ctx.values;
    const runtime = runtimeFlags(v);
    // the flags win over their variables, and are checked with them (loadConfig names a bad value)
    const env = { ...process.env };
    if (v['build-id']) env.LONGHAUL_BUILD_ID = v['build-id'] as string;
    if (v['deployment-name']) env.LONGHAUL_DEPLOYMENT_NAME = v['deployment-name'] as string;
    if (v['versioning-behavior']) env.LONGHAUL_VERSIONING_BEHAVIOR = v['versioning-behavior'] as string;
    const config = loadConfig(env, {
      ...(v['data-dir'] ? { dataDir: v['data-dir'] as string } : {}),
      ...(v['task-queue'] ? { taskQueue: v['task-queue'] as string } : {}),
    });
    // loaded on use: `longhaul --help` and the client commands stay quick to start
    const { runWorker } = await import('../../worker/run-worker.js');
    await runWorker({
      config,
      logLevel: runtime.logLevel ?? 'INFO',
      ...(runtime.logFormat ? { logFormat: runtime.logFormat } : {}),
      ...(runtime.metricsPort !== undefined ? { metricsPort: runtime.metricsPort } : {}),
      ...(v.address ? { address: v.address as string } : {}),
      ...(v.namespace ? { namespace: v.namespace as string } : {}),
      ...(process.env.LONGHAUL_WORKFLOW_BUNDLE ? { workflowBundlePath: process.env.LONGHAUL_WORKFLOW_BUNDLE } : {}),
      stop: ctx.interrupted,
      onReady: ({ address, namespace, taskQueue, metricsUrl }) =>
        ctx.stdout.write(
          `longhaul worker ready: ${address} namespace ${namespace} task queue ${taskQueue}${versionText(config)} (pid ${process.pid})${metricsUrl ? `, metrics ${metricsUrl}` : ''}${config.payloadKeys ? `, payloads encrypted with key ${config.payloadKeys[0]!.id}` : ''}\n`,
        ),
    });
    return 0;
  },
};

function versionText(config: ReturnType<typeof loadConfig>): string {
  const d = config.deployment;
  return d ? ` version ${d.name}.${d.buildId} (${d.behavior})` : '';
}
