import { loadConfig } from '../../config/longhaul-config';
import type { CliCommand } from '../cli-command';
import { RUNTIME_OPTIONS, runtimeFlags, runtimeHelp } from '../runtime-flags';

/** `longhaul worker`: a worker against any Temporal (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS/API key profiles). */
export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'Run a worker against a Temporal server (TEMPORAL_ADDRESS and friends)',
  usage: '[--address HOST:PORT] [--namespace NS] [--task-queue Q] [--data-dir DIR] [--metrics-port N] [--log-level L] [--log-format text|json]',
  help: [
    '  --address HOST:PORT   Temporal frontend (default: TEMPORAL_ADDRESS, a profile, or localhost:7233)',
    '  --namespace NS        Temporal namespace (default: TEMPORAL_NAMESPACE or default)',
    '  --task-queue Q        task queue (default: LONGHAUL_TASK_QUEUE or longhaul)',
    '  --data-dir DIR        blobs and the result database (default: LONGHAUL_DATA_DIR or ./.longhaul)',
    runtimeHelp('INFO'),
    'Provider keys come from OPENAI_API_KEY, ANTHROPIC_API_KEY, AZURE_OPENAI_API_KEY (and *_BASE_URL).',
    'Any number of workers may share a task queue. SIGINT/SIGTERM stop it gracefully.',
  ].join('\n'),
  options: { address: { type: 'string' }, namespace: { type: 'string' }, 'task-queue': { type: 'string' }, 'data-dir': { type: 'string' }, ...RUNTIME_OPTIONS },
  // stops on ctx.interrupted and cleans up (see main's interruption)
  handlesInterruption: true,
  async run(ctx) {
    const v = ctx.values;
    const runtime = runtimeFlags(v);
    const config = loadConfig(process.env, {
      ...(v['data-dir'] ? { dataDir: v['data-dir'] as string } : {}),
      ...(v['task-queue'] ? { taskQueue: v['task-queue'] as string } : {}),
    });
    // loaded on use: `longhaul --help` and the client commands stay quick to start
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runWorker } = require('../../worker/run-worker') as typeof import('../../worker/run-worker');
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
          `longhaul worker ready: ${address} namespace ${namespace} task queue ${taskQueue} (pid ${process.pid})${metricsUrl ? `, metrics ${metricsUrl}` : ''}\n`,
        ),
    });
    return 0;
  },
};
