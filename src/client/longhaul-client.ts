import { ApplicationFailure, Client, Connection, WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { BAD_INPUT_FAILURES, FailureType } from '../contracts/failure-types';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { loadConfig, type LonghaulConfig } from '../config/longhaul-config';
import { openBlobStore } from '../storage/open-blob-store';
import { blobStoreIdentity } from '../storage/storage-identity';
import type { BlobStore } from '../storage/blob-store';
import type { JobSpecChanges } from '../spec/resolve-spec';
import { reprocessUpdate, type ReprocessResult } from '../../workflows/definitions';
import { jobWorkflowId, WORKFLOW_ID_PREFIX } from '../../workflows/internal/workflow-ids';
import { batchJobWorkflow } from '../../workflows/job';
import { jobStatus } from './job-status';
import { SA, jobSearchAttributes } from '../contracts/search-attributes';
import { JobAlreadyExistsError, ReprocessRejectedError, TemporalUnreachableError } from './client-errors';
import { JobHandle, KEPT } from './job-handle';
import { listWorkflows } from './list-workflows';
import { prepareStartSpec, type StartSpec } from './start-spec';
import { specMemo } from '../../workflows/internal/spec-memo';
import { jobDetails, jobSummary } from '../../workflows/internal/ui-summaries';
import { PriceTable } from '../report/price-table';
import { PROVIDER_CAPABILITIES } from '../providers/provider-limits';
import { assertRunnable } from '../spec/runnable-check';
import { payloadDataConverter } from '../codec/payload-data-converter';
import type { ResultStore } from '../results/result-store';
import { gcDeps } from './gc-deps';
import { applyGc, planGc, type GcDeps, type GcJob, type GcPlan, type GcTotals } from './job-gc';
import type { WebhookReceiver, WebhookReceiverOptions } from '../webhooks/webhook-receiver';

export interface LonghaulClientOptions {
  /** An existing connection; otherwise one is made from `address` or the environment (TEMPORAL_ADDRESS, profiles). */
  connection?: Connection;
  address?: string;
  namespace?: string;
  config?: LonghaulConfig;
  /** Base URL of the Temporal Web UI, for links to jobs (e.g. http://127.0.0.1:8233). */
  uiUrl?: string;
}

export interface JobSummary {
  jobId: string;
  status: string;
  provider?: string;
  model?: string;
  startTime: Date;
  closeTime?: Date;
  itemsTotal?: number;
  itemsSucceeded?: number;
  itemsFailed?: number;
}

/**
 * Longhaul's public API: start jobs, find them, steer them. Everything goes through Temporal, so jobs
 * started here can be watched and controlled from any other process or from the CLI.
 */
export class LonghaulClient {
  constructor(
    readonly temporal: Client,
    readonly config: LonghaulConfig,
    private readonly blobs: BlobStore & { check(): Promise<void> },
    private readonly ownsConnection: Connection | undefined,
    readonly uiUrl?: string,
  ) {}

  /**
   * Validates the spec, stores inline rows, and starts the job (workflow id `longhaul/<jobId>`). Relative
   * paths in the spec are resolved against `baseDir` (default: the current directory).
   * @throws InvalidSpecError naming the field (also: a model with no price, a mode the provider lacks, a past
   *   deadline), JobAlreadyExistsError for a taken job id.
   */
  async start(input: StartSpec, options: { baseDir?: string } = {}): Promise<JobHandle> {
    const spec = await prepareStartSpec(input, this.blobs, options.baseDir);
    // inputs written to a shared blob store (an uploaded dataset, inline rows): only a worker on that store may begin it
    if (!this.blobs.local) spec.storage = blobStoreIdentity(this.config);
    // what the client can tell already fails here; the worker checks again with its own configuration
    const prices = new PriceTable(this.config.prices);
    assertRunnable(spec, { priceKnown: (model) => prices.priceOf(model) !== undefined, capabilities: PROVIDER_CAPABILITIES[spec.provider], nowMs: Date.now() });
    try {
      await this.temporal.workflow.start(batchJobWorkflow, {
        workflowId: jobWorkflowId(spec.jobId),
        taskQueue: this.config.taskQueue,
        args: [{ spec }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: specMemo(spec),
        // the UI's workflow list and job page show these (user metadata)
        staticSummary: jobSummary(spec),
        staticDetails: jobDetails(spec),
        typedSearchAttributes: jobSearchAttributes(spec, 'queued'),
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new JobAlreadyExistsError(spec.jobId);
      throw err;
    }
    return this.job(spec.jobId);
  }

  /** A handle to a job by id (not checked until used). */
  job(jobId: string): JobHandle {
    const ui = this.uiUrl ? `${this.uiUrl}/namespaces/${this.temporal.options.namespace}/workflows/${encodeURIComponent(jobWorkflowId(jobId))}` : undefined;
    return new JobHandle(jobId, this.temporal, (id, selection, changes) => this.reprocess(id, selection, changes), this.blobs, ui);
  }

  private async reprocess(jobId: string, selection: 'failed' | 'all', changes?: JobSpecChanges): Promise<ReprocessResult> {
    const startWorkflowOperation = new WithStartWorkflowOperation(batchJobWorkflow, {
      workflowId: jobWorkflowId(jobId),
      taskQueue: this.config.taskQueue,
      args: [{ reprocessOf: jobId }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      // shown when this starts a new run (a job that had ended); a running job keeps its own
      staticSummary: `reprocess (${selection} items) of job ${jobId}`,
      typedSearchAttributes: [
        { key: SA.jobId, value: jobId },
        { key: SA.status, value: 'queued' },
      ],
    });
    try {
      return await this.temporal.workflow.executeUpdateWithStart(reprocessUpdate, {
        args: [{ selection, ...(changes ? { changes } : {}) }],
        startWorkflowOperation,
      });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        // refused before it began (bad changes, the dataset changed): the failure's type says whether the input was at fault
        const type = err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
        const kept = type === FailureType.jobNotFound ? '' : KEPT;
        throw new ReprocessRejectedError(jobId, `${err.cause?.message ?? err.message}${kept}`, type !== undefined && type !== null && BAD_INPUT_FAILURES.includes(type as never));
      }
      throw err;
    }
  }

  /** Jobs, newest first, from Temporal's visibility store (optionally filtered by a list query). */
  async *list(options: { query?: string; limit?: number } = {}): AsyncGenerator<JobSummary> {
    const base = `WorkflowType = 'batchJobWorkflow'`;
    const query = options.query ? `${base} AND (${options.query})` : base;
    let count = 0;
    // One row per job: a job's earlier runs (continued as new) share its workflow id; the newest run comes first.
    const seen = new Set<string>();
    for await (const wf of listWorkflows(this.temporal, query)) {
      if (!wf.workflowId.startsWith(WORKFLOW_ID_PREFIX)) continue;
      if (wf.status === 'CONTINUED_AS_NEW' || seen.has(wf.workflowId)) continue;
      seen.add(wf.workflowId);
      const sa = wf.searchAttributes;
      yield {
        jobId: sa.get(SA.jobId) ?? wf.workflowId.slice(WORKFLOW_ID_PREFIX.length),
        status: jobStatus(wf.status, sa.get(SA.status)),
        ...(sa.get(SA.provider) ? { provider: sa.get(SA.provider) } : {}),
        ...(sa.get(SA.model) ? { model: sa.get(SA.model) } : {}),
        startTime: wf.startTime,
        ...(wf.closeTime ? { closeTime: wf.closeTime } : {}),
        ...(sa.get(SA.itemsTotal) !== undefined ? { itemsTotal: sa.get(SA.itemsTotal) } : {}),
        ...(sa.get(SA.itemsSucceeded) !== undefined ? { itemsSucceeded: sa.get(SA.itemsSucceeded) } : {}),
        ...(sa.get(SA.itemsFailed) !== undefined ? { itemsFailed: sa.get(SA.itemsFailed) } : {}),
      };
      if (options.limit && ++count >= options.limit) return;
    }
  }

  /**
   * Retention, reads only: the jobs that ended more than `olderThanMs` (milliseconds) ago, with their blobs and
   * result rows, in the configured blob and result stores. Running jobs (paused ones too) are skipped with the
   * reason. Pass the plan to `applyGc` to delete it.
   * @throws StorageUnavailableError when a store cannot be reached.
   */
  async planGc(olderThanMs: number): Promise<GcPlan> {
    return this.withGcDeps((deps) => planGc(olderThanMs, deps));
  }

  /**
   * Deletes what `plan` lists, job by job (blobs, then rows), asking Temporal again right before each: a job
   * started again since the plan is skipped (added to `plan.skipped`) and `onJob` hears `removed: false`.
   * Returns what was removed.
   * @throws StorageUnavailableError when a store cannot be reached.
   */
  async applyGc(plan: GcPlan, onJob?: (job: GcJob, removed: boolean) => void): Promise<GcTotals> {
    return this.withGcDeps((deps) => applyGc(plan, deps, onJob));
  }

  /**
   * Starts an HTTP receiver for OpenAI batch webhooks (batch.completed, .failed, .expired, .cancelled): checks
   * each delivery's signature with `secret` and wakes the shard waiting on that batch, through this client's
   * Temporal connection and the configured provider accounts. Stop it before closing the client.
   */
  async startWebhookReceiver(options: Omit<WebhookReceiverOptions, 'client' | 'providers'>): Promise<WebhookReceiver> {
    // loaded on use: the receiver brings the openai SDK and the provider registry
    const [{ startWebhookReceiver }, { createProviderRegistry }] = await Promise.all([
      import('../webhooks/webhook-receiver.js'),
      import('../providers/provider-registry.js'),
    ]);
    return startWebhookReceiver({ ...options, client: this.temporal, providers: createProviderRegistry(this.config.accounts) });
  }

  private async withGcDeps<T>(work: (deps: GcDeps) => Promise<T>): Promise<T> {
    await this.blobs.check();
    // loaded on use: the database drivers
    const { openResultStore } = await import('../results/open-result-store.js');
    const store: ResultStore = await openResultStore(this.config.results);
    try {
      return await work(gcDeps(this.temporal, this.blobs, store));
    } finally {
      await store.close();
    }
  }

  async close(): Promise<void> {
    await this.ownsConnection?.close();
  }
}

/**
 * Connects to Temporal (explicit address, else TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / profiles through
 * @temporalio/envconfig, else localhost:7233) and returns a client.
 * @throws TemporalUnreachableError when the server does not answer.
 */
export async function createLonghaulClient(options: LonghaulClientOptions = {}): Promise<LonghaulClient> {
  const config = options.config ?? loadConfig();
  let connection = options.connection;
  let owned: Connection | undefined;
  let namespace = options.namespace;
  if (!connection) {
    const fromEnv = loadClientConnectConfig();
    const address = options.address ?? fromEnv.connectionOptions.address ?? 'localhost:7233';
    namespace ??= fromEnv.namespace;
    try {
      connection = owned = await Connection.connect({ ...fromEnv.connectionOptions, address, connectTimeout: 5_000 } as Parameters<typeof Connection.connect>[0]);
    } catch (err) {
      throw new TemporalUnreachableError(address, err);
    }
  }
  // encrypts every payload when the config has a payload key ring (LONGHAUL_PAYLOAD_KEY): specs, rows, results
  const temporal = new Client({ connection, namespace: namespace ?? 'default', dataConverter: payloadDataConverter(config.payloadKeys) });
  return new LonghaulClient(temporal, config, openBlobStore(config.storage, config.payloadKeys), owned, options.uiUrl);
}
