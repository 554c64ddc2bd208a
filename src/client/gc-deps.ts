import { isGrpcServiceError, type Client } from '@temporalio/client';
import type { ResultStore } from '../results/result-store';
import type { BlobStore } from '../storage/blob-store';
import { jobIdOfWorkflowId, jobWorkflowId } from '../../workflows/internal/workflow-ids';
import type { GcDeps } from './job-gc';
import { dateOf, listWorkflows, STATUS_NAMES } from './list-workflows';

/** gRPC's NOT_FOUND status: no such workflow. */
const GRPC_NOT_FOUND = 5;

/**
 * Both stores, and Temporal for what still runs and when each job's workflow closed. Nothing here decodes a
 * payload it does not need: a job encrypted with a key this process lacks (LONGHAUL_PAYLOAD_KEY) is still seen.
 */
export function gcDeps(temporal: Client, blobs: BlobStore, store: ResultStore): GcDeps {
  return {
    blobs,
    store,
    now: () => new Date(),
    async workflowOf(jobId) {
      try {
        // the raw description: the SDK's describe() decodes the memo, which fails without the job's key
        const { workflowExecutionInfo: info } = await temporal.workflowService.describeWorkflowExecution({
          namespace: temporal.options.namespace,
          execution: { workflowId: jobWorkflowId(jobId) },
        });
        const closedAt = dateOf(info?.closeTime);
        return { status: STATUS_NAMES[info?.status ?? 0] ?? 'UNSPECIFIED', ...(closedAt ? { closedAt } : {}) };
      } catch (err) {
        if (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND) return undefined;
        throw err;
      }
    },
    async runningDatasets() {
      const paths = new Set<string>();
      for await (const run of listWorkflows(temporal, 'ExecutionStatus = "Running"')) {
        const jobId = jobIdOfWorkflowId(run.workflowId);
        if (!jobId) continue;
        const memo = (await run.memoField('longhaul').catch(() => undefined)) as { dataset?: unknown } | undefined;
        // a memo this process cannot decode: the job's record names its dataset once the job has begun
        const dataset = memo?.dataset ?? (await store.getJob(jobId))?.spec.dataset?.path;
        if (typeof dataset === 'string') paths.add(dataset);
        else if (memo === undefined) return 'unknown';
      }
      return paths;
    },
  };
}
