import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ResultStore } from '../results/result-store';
import type { BlobStore } from '../storage/blob-store';
import { jobIdOfWorkflowId, jobWorkflowId } from '../../workflows/internal/workflow-ids';
import type { GcDeps } from './job-gc';

/** Both stores, and Temporal for what still runs and when each job's workflow closed. */
export function gcDeps(temporal: Client, blobs: BlobStore, store: ResultStore): GcDeps {
  return {
    blobs,
    store,
    now: () => new Date(),
    async workflowOf(jobId) {
      try {
        const described = await temporal.workflow.getHandle(jobWorkflowId(jobId)).describe();
        return { status: described.status.name, ...(described.closeTime ? { closedAt: described.closeTime } : {}) };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      }
    },
    async runningDatasets() {
      const paths = new Set<string>();
      for await (const run of temporal.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
        if (!jobIdOfWorkflowId(run.workflowId)) continue;
        const dataset = (run.memo?.longhaul as { dataset?: unknown } | undefined)?.dataset;
        if (typeof dataset === 'string') paths.add(dataset);
      }
      return paths;
    },
  };
}
