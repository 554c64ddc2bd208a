import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { ProviderRegistry } from '../providers/provider-registry';
import type { ProviderName } from '../spec/job-spec';
import { wakeShardSignal } from '../../workflows/definitions';
import { shardWorkflowId, submissionAttempt } from '../../workflows/internal/workflow-ids';

/** What waking the shard of a batch came to. */
export type WakeOutcome =
  | { result: 'signalled'; batchId: string; workflowId: string }
  /** The batch does not exist at the provider, or carries no Longhaul tag: not ours. */
  | { result: 'unknown_batch'; batchId: string }
  /** The tagged shard workflow does not exist or has already closed (it polled first, or was cancelled). */
  | { result: 'shard_closed'; batchId: string; workflowId: string };

export interface ShardWakerOptions {
  client: Client;
  providers: ProviderRegistry;
  /** Whose batches the events are about (default `openai`), and which configured account reads them. */
  provider?: ProviderName;
  account?: string;
}

/**
 * Wakes the shard workflow waiting for a batch: reads the batch's `longhaul_shard` tag back from the
 * provider (a webhook carries only the batch id, and is not trusted for more), then sends `wakeShardSignal`
 * to `longhaul/<shardAttemptId>`. Waking is idempotent: a woken shard polls once and goes back to waiting
 * if the batch has not ended. Throws ProviderError (reading the tag) and Temporal client errors other than
 * "not found"; the caller answers 5xx so the sender delivers again.
 */
export function createShardWaker(options: ShardWakerOptions): (batchId: string) => Promise<WakeOutcome> {
  const provider = options.provider ?? 'openai';
  return async (batchId) => {
    const shardAttemptId = await options.providers.shardOfBatch(provider, batchId, options.account);
    if (!shardAttemptId) return { result: 'unknown_batch', batchId };
    const workflowId = shardWorkflowId(submissionAttempt(shardAttemptId));
    try {
      await options.client.workflow.getHandle(workflowId).signal(wakeShardSignal);
      return { result: 'signalled', batchId, workflowId };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { result: 'shard_closed', batchId, workflowId };
      throw err;
    }
  };
}
