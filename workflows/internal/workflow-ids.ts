/**
 * Workflow ids and shard attempt ids, derived in one place; deterministic and sandbox-safe, so the
 * workflows, the client and the activities all agree. A shard attempt id is the child workflow's id
 * (with the `longhaul/` prefix), the metadata tag on the provider batch, and the key of the durable
 * batch record. Generations only grow for a job id, so an attempt id is never reused.
 */
export const WORKFLOW_ID_PREFIX = 'longhaul/';

export function jobWorkflowId(jobId: string): string {
  return `${WORKFLOW_ID_PREFIX}${jobId}`;
}

export function jobIdOfWorkflowId(workflowId: string): string | undefined {
  if (!workflowId.startsWith(WORKFLOW_ID_PREFIX)) return undefined;
  const rest = workflowId.slice(WORKFLOW_ID_PREFIX.length);
  return rest.includes('/') ? undefined : rest;
}

export function shardAttemptId(jobId: string, generation: number, round: number, index: number): string {
  return `${jobId}/g${generation}/r${round}/s${index}`;
}

export function shardWorkflowId(attemptId: string): string {
  return `${WORKFLOW_ID_PREFIX}${attemptId}`;
}

/**
 * The key a shard attempt's submission is recorded and tagged under: the attempt id for its first batch, and
 * `<attempt>~q<n>` for the n-th batch created again after the provider refused one for its enqueued-token
 * quota (such a batch did no work). Every key of an attempt names the same shard workflow (submissionAttempt).
 */
export function submissionKey(attemptId: string, submission = 0): string {
  return submission > 0 ? `${attemptId}~q${submission}` : attemptId;
}

/** The shard attempt id a submission key belongs to. */
export function submissionAttempt(key: string): string {
  return key.replace(/~q\d+$/, '');
}
