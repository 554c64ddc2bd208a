import type { SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';

/**
 * The search attributes Longhaul's workflows carry, so jobs and their shards can be found in the Temporal UI
 * and with `temporal workflow list --query`. The dev server registers them from this table; a cluster operator
 * registers them once with `temporal operator search-attribute create` (see README).
 * A job carries the job fields; a shard carries LonghaulJobId and the Shard fields below. Round and shard are
 * Double because SQL visibility stores allow only 3 Int attributes per namespace, which the job uses.
 */
export const SEARCH_ATTRIBUTE_TYPES = {
  LonghaulJobId: 'Keyword',
  LonghaulProvider: 'Keyword',
  LonghaulModel: 'Keyword',
  LonghaulMode: 'Keyword',
  LonghaulTaskVersion: 'Keyword',
  LonghaulStatus: 'Keyword',
  LonghaulItemsTotal: 'Int',
  LonghaulItemsSucceeded: 'Int',
  LonghaulItemsFailed: 'Int',
  LonghaulRound: 'Double',
  LonghaulShard: 'Double',
  LonghaulBatchId: 'Keyword',
  LonghaulShardPhase: 'Keyword',
} as const;

/** Same shape as @temporalio/common's defineSearchAttributeKey, which @temporalio/workflow does not re-export. */
function key<T extends SearchAttributeType>(name: keyof typeof SEARCH_ATTRIBUTE_TYPES, type: T): SearchAttributeKey<T> {
  return { name, type };
}

export const SA = {
  jobId: key('LonghaulJobId', 'KEYWORD'),
  provider: key('LonghaulProvider', 'KEYWORD'),
  model: key('LonghaulModel', 'KEYWORD'),
  mode: key('LonghaulMode', 'KEYWORD'),
  taskVersion: key('LonghaulTaskVersion', 'KEYWORD'),
  status: key('LonghaulStatus', 'KEYWORD'),
  itemsTotal: key('LonghaulItemsTotal', 'INT'),
  itemsSucceeded: key('LonghaulItemsSucceeded', 'INT'),
  itemsFailed: key('LonghaulItemsFailed', 'INT'),
  /** A shard's retry round (0 first). */
  round: key('LonghaulRound', 'DOUBLE'),
  /** A shard's index within its round. */
  shard: key('LonghaulShard', 'DOUBLE'),
  /** The provider's id of a shard's current batch (absent before submit and on synchronous tiers). */
  batchId: key('LonghaulBatchId', 'KEYWORD'),
  /** A shard's phase: submitting, sending, the batch's phase (validating, in_progress, ...), collecting, done. */
  shardPhase: key('LonghaulShardPhase', 'KEYWORD'),
} as const;

/** What a job is listed by from its start: the client sets these when it starts a job, the job again per generation. */
export function jobSearchAttributes(
  job: { jobId: string; provider: string; model: string; mode: string; taskVersion: string },
  status: string,
): Array<{ key: SearchAttributeKey<'KEYWORD'>; value: string }> {
  return [
    { key: SA.jobId, value: job.jobId },
    { key: SA.provider, value: job.provider },
    { key: SA.model, value: job.model },
    { key: SA.mode, value: job.mode },
    { key: SA.taskVersion, value: job.taskVersion },
    { key: SA.status, value: status },
  ];
}
