import { loadConfig } from '../../config/longhaul-config';
import { runWorker } from '../../worker/run-worker';
import type { CliCommand } from '../cli-command';

/** `longhaul worker`: a worker against any Temporal (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS/API key profiles). */
export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'Run a worker against a Temporal server (TEMPORAL_ADDRESS and friends)',
  usage: '[--address HOST:PORT] [--namespace NS] [--task-queue Q] [--data-dir DIR]',
  help: [
    '  --address HOST:PORT   Temporal frontend (default: TEMPORAL_ADDRESS, a profile, or localhost:7233)',
    '  --namespace NS        Temporal namespace (default: TEMPORAL_NAMESPACE or default)',
    '  --task-queue Q        task queue (default: LONGHAUL_TASK_QUEUE or longhaul)',
    '  --data-dir DIR        blobs and the result database (default: LONGHAUL_DATA_DIR or ./.longhaul)',
    'Provider keys come from OPENAI_API_KEY, ANTHROPIC_API_KEY, AZURE_OPENAI_API_KEY (and *_BASE_URL).',
  ].join('\n'),
  options: { address: { type: 'string' }, namespace: { type: 'string' }, 'task-queue': { type: 'string' }, 'data-dir': { type: 'string' } },
  async run(ctx) {
    const v = ctx.values;
    const config = loadConfig(process.env, {
      ...(v['data-dir'] ? { dataDir: v['data-dir'] as string } : {}),
      ...(v['task-queue'] ? { taskQueue: v['task-queue'] as string } : {}),
    });
    await runWorker({
      config,
      ...(v.address ? { address: v.address as string } : {}),
      ...(v.namespace ? { namespace: v.namespace as string } : {}),
      ...(process.env.LONGHAUL_WORKFLOW_BUNDLE ? { workflowBundlePath: process.env.LONGHAUL_WORKFLOW_BUNDLE } : {}),
      stop: ctx.interrupted,
      onReady: ({ address, namespace, taskQueue }) =>
        ctx.stdout.write(`longhaul worker ready: ${address} namespace ${namespace} task queue ${taskQueue} (pid ${process.pid})\n`),
    });
    return 0;
  },
};
