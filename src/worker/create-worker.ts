import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { LonghaulConfig } from '../config/longhaul-config';
import type { RequestBuilders } from '../dataset/request-renderer';
import type { ProviderRegistry } from '../providers/provider-registry';
import { payloadDataConverter } from '../codec/payload-data-converter';
import { createWorkerDeps } from './worker-deps';
import { prebuiltBundle } from './workflow-bundle';

export interface LonghaulWorkerOptions {
  connection: NativeConnection;
  config: LonghaulConfig;
  namespace?: string;
  /** Request builders that specs may name in `prompt.builder`. */
  builders?: RequestBuilders;
  /** A provider registry to use instead of one built from the configured accounts (tests). */
  providers?: ProviderRegistry;
  /** A prebuilt workflow bundle (faster start); the build's own, else bundled from workflows/ when omitted. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Extra worker options (concurrency, identity, ...). */
  tuning?: Partial<Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions' | 'identity' | 'shutdownGraceTime'>>;
}

/** The path of the workflows the worker registers (sources under jest, compiled JS under dist/). */
export function workflowsPath(): string {
  return require.resolve('../../workflows');
}

/**
 * A Worker that runs Longhaul's workflows and activities on the configured task queue. Any number of
 * workers may share the queue; activities are idempotent, so a crashed worker's tasks are safely taken over.
 * `worker.run()` resolves after `worker.shutdown()`; the returned `close` releases the result store.
 */
export async function createLonghaulWorker(options: LonghaulWorkerOptions): Promise<{ worker: Worker; close(): Promise<void> }> {
  const deps = await createWorkerDeps(options.config, {
    ...(options.builders ? { builders: options.builders } : {}),
    ...(options.providers ? { providers: options.providers } : {}),
  });
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.config.taskQueue,
    activities: createActivities(deps),
    // the payload codec runs here, outside the workflow sandbox: the bundle is the same with or without a key
    dataConverter: payloadDataConverter(options.config.payloadKeys),
    ...deploymentOptions(options.config),
    ...((options.workflowBundle ?? prebuiltBundle()) ? { workflowBundle: options.workflowBundle ?? prebuiltBundle() } : { workflowsPath: workflowsPath() }),
    ...options.tuning,
  });
  return { worker, close: () => deps.close() };
}

/**
 * Worker Deployment options for a versioned worker (config.deployment; docs/versioning.md): the version it
 * runs, and how its workflows move between versions (auto-upgrade unless told `pinned`).
 */
function deploymentOptions(config: LonghaulConfig): Pick<WorkerOptions, 'workerDeploymentOptions'> {
  const deployment = config.deployment;
  if (!deployment) return {};
  return {
    workerDeploymentOptions: {
      version: { deploymentName: deployment.name, buildId: deployment.buildId },
      useWorkerVersioning: true,
      defaultVersioningBehavior: deployment.behavior === 'pinned' ? 'PINNED' : 'AUTO_UPGRADE',
    },
  };
}
