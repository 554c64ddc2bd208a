import { Client, type ConnectionLike } from '@temporalio/client';
import { payloadDataConverter } from '../codec/payload-data-converter';
import type { LonghaulConfig } from '../config/longhaul-config';
import { progressQuery, type JobProgress } from '../../workflows/definitions';
import { SA } from '../contracts/search-attributes';
import { listWorkflows } from '../client/list-workflows';
import { METRICS } from './metrics';
import { processMetrics, type LonghaulMetrics } from './process-metrics';

/** A running job as the live-state gauges see it. */
export interface LiveJob {
  provider: string;
  model: string;
  /** Absent when the job did not answer its progress query (it just ended, or no worker had room). */
  progress?: Pick<JobProgress, 'tier' | 'items' | 'shards' | 'tokens'> | undefined;
}

/**
 * The running jobs (visibility: batchJobWorkflow, Running; at most `limit`) with each one's progress query.
 */
export async function readRunningJobs(client: Client, limit = 500): Promise<LiveJob[]> {
  const found: Array<{ workflowId: string; provider: string; model: string }> = [];
  // not client.workflow.list: it decodes memos, and a worker without the payload key must still count encrypted jobs
  for await (const wf of listWorkflows(client, `WorkflowType = 'batchJobWorkflow' AND ExecutionStatus = 'Running'`)) {
    found.push({ workflowId: wf.workflowId, provider: wf.searchAttributes.get(SA.provider) ?? 'unknown', model: wf.searchAttributes.get(SA.model) ?? 'unknown' });
    if (found.length >= limit) break;
  }
  return Promise.all(
    found.map(async ({ workflowId, provider, model }) => ({
      provider,
      model,
      progress: await client.workflow.getHandle(workflowId).query(progressQuery).catch(() => undefined),
    })),
  );
}

const ITEM_STATES = ['succeeded', 'failed', 'cancelled', 'cached', 'retrying', 'pending'] as const;

/**
 * Gauges of live state, global to the deployment: running jobs, open batches, enqueued estimated tokens and items
 * by state, summed over the running jobs by provider and model. They are read from Temporal when scraped (at most
 * once per `maxAgeMs`, default 15 s, shared by concurrent scrapes), so every worker replica reports the same
 * values: aggregate them with max, not sum. A failed read keeps the last values; the age gauge tells how old.
 */
export class LiveStateGauges {
  private last: { atMs: number; jobs: LiveJob[] } | undefined;
  private reading: Promise<void> | undefined;

  constructor(
    metrics: LonghaulMetrics,
    private read: () => Promise<LiveJob[]>,
    private readonly options: { maxAgeMs?: number; timeoutMs?: number; now?: () => number } = {},
  ) {
    metrics.gauge(METRICS.jobsRunning, (g) => this.fill(g, (job, add) => add({ provider: job.provider, model: job.model }, 1)));
    metrics.gauge(METRICS.batchesOpen, (g) => this.fill(g, (job, add) => job.progress && add({ provider: job.provider, model: job.model, tier: job.progress.tier }, job.progress.shards.running)));
    metrics.gauge(METRICS.enqueuedTokens, (g) => this.fill(g, (job, add) => job.progress && add({ provider: job.provider, model: job.model, tier: job.progress.tier }, job.progress.tokens.estimatedQueued)));
    metrics.gauge(METRICS.jobItems, (g) =>
      this.fill(g, (job, add) => {
        for (const state of ITEM_STATES) if (job.progress) add({ provider: job.provider, model: job.model, state }, job.progress.items[state]);
      }),
    );
    metrics.gauge(METRICS.liveStateAge, async (g) => {
      await this.refresh();
      g.reset();
      if (this.last) g.set(Math.max(0, (this.now() - this.last.atMs) / 1000));
    });
  }

  /** Reads through `read` from now on (a worker that reconnected). */
  readFrom(read: () => Promise<LiveJob[]>): void {
    this.read = read;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Reads again when the last read is older than maxAgeMs; waits at most timeoutMs (default 5 s) for it. */
  async refresh(): Promise<void> {
    if (this.last && this.now() - this.last.atMs < (this.options.maxAgeMs ?? 15_000)) return;
    this.reading ??= this.read()
      .then((jobs) => void (this.last = { atMs: this.now(), jobs }))
      .catch(() => undefined)
      .finally(() => (this.reading = undefined));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.timeoutMs ?? 5_000)));
    await Promise.race([this.reading, timeout]).finally(() => clearTimeout(timer));
  }

  private async fill(gauge: { reset(): void; inc(labels: Record<string, string>, value: number): void }, each: (job: LiveJob, add: (labels: Record<string, string>, value: number) => void) => void): Promise<void> {
    await this.refresh();
    gauge.reset();
    if (!this.last) return;
    // zero series for running jobs too, so a job with nothing in flight still shows
    for (const job of this.last.jobs) each(job, (labels, value) => gauge.inc(labels, value));
  }
}

let processWide: LiveStateGauges | undefined;

/**
 * Adds the live-state gauges to this process's registry (the worker's `/metrics`), read from Temporal through the
 * worker's connection in its namespace, with the worker's payload codec; a later call only changes the client.
 * Call it where a worker serves metrics.
 */
export function serveLiveState(worker: { connection: ConnectionLike; namespace: string; config: Pick<LonghaulConfig, 'payloadKeys'> }): void {
  const client = new Client({ connection: worker.connection, namespace: worker.namespace, dataConverter: payloadDataConverter(worker.config.payloadKeys) });
  const read = () => readRunningJobs(client);
  if (processWide) processWide.readFrom(read);
  else processWide = new LiveStateGauges(processMetrics(), read);
}
