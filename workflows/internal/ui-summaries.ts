/**
 * The one-line summaries the Temporal UI shows for a job's commands (SDK user metadata): on each activity,
 * timer and shard child workflow, so a job's timeline reads "submit shard 3, round 1", "poll batch_abc (shard 3,
 * round 1)" instead of bare activity names. Plain text, sandbox-safe; recorded in the command's history event
 * but not compared on replay (test/replay and test/workflows/ui-search.test.ts replay histories with and
 * without them).
 */

import type { ResolvedJobSpec } from '../../src/spec/job-spec';

interface ShardPlace {
  generation: number;
  round: number;
  index: number;
}

/** The job's line in the UI's workflow list and on its page: model, provider, mode and dataset file. */
export function jobSummary(spec: ResolvedJobSpec): string {
  const file = spec.dataset.path.split(/[\\/]/).pop() ?? spec.dataset.path;
  return `${spec.model} on ${spec.provider} (${spec.mode}): ${file}`;
}

/** The job's static details (Markdown): what does not change during a run, and how to find its shards. */
export function jobDetails(spec: ResolvedJobSpec): string {
  return [
    `- dataset: ${spec.dataset.path}`,
    `- ${spec.provider} ${spec.endpoint}, model ${spec.model}, mode ${spec.mode}, task version ${spec.taskVersion}`,
    ...(spec.deadline ? [`- deadline: ${spec.deadline}`] : []),
    `- its shards: \`LonghaulJobId = "${spec.jobId}" AND WorkflowType = "shardWorkflow"\``,
    '- live progress: the current details below, or `longhaul status ' + spec.jobId + '`',
  ].join('\n');
}

/** "shard 3, round 1" (and the generation of a reprocess: "shard 3, round 1, generation 2"). */
export function shardLabel(s: ShardPlace): string {
  return `shard ${s.index}, round ${s.round}${s.generation > 0 ? `, generation ${s.generation}` : ''}`;
}

/** The shard child workflow as its parent's timeline and its own page show it. */
export function shardChildSummary(s: ShardPlace & { requests: number }, tier: string): string {
  return `${shardLabel(s)}: ${s.requests.toLocaleString('en-US')} requests${tier === 'batch' ? '' : ` on the ${tier} tier`}`;
}

/** The shard's static details (Markdown): where it belongs and how to find it by its search attributes. */
export function shardChildDetails(jobId: string, s: ShardPlace & { requests: number; estTokens: number }, tier: string): string {
  return [
    `- job: ${jobId}`,
    `- requests: ${s.requests.toLocaleString('en-US')} (about ${s.estTokens.toLocaleString('en-US')} prompt tokens), ${tier} tier`,
    `- this job's shards: \`LonghaulJobId = "${jobId}" AND WorkflowType = "shardWorkflow"\``,
  ].join('\n');
}

export const summaries = {
  submit: (s: ShardPlace, submission: number) => `submit ${shardLabel(s)}${submission > 0 ? ` (again after quota refusal ${submission})` : ''}`,
  poll: (s: ShardPlace, batchId: string) => `poll ${batchId} (${shardLabel(s)})`,
  cancel: (s: ShardPlace, batchId: string) => `cancel ${batchId} (${shardLabel(s)})`,
  nextPoll: (batchId: string) => `wait for ${batchId}`,
  quotaWait: (seconds: number) => `wait ${seconds}s for the provider's queue to drain (quota refusal)`,
  collect: (s: ShardPlace, batchId: string | undefined) => `collect ${shardLabel(s)}${batchId ? ` (${batchId})` : ''}`,
  send: (s: ShardPlace, tier: string) => `send ${shardLabel(s)} on the ${tier} tier`,
  begin: (kind: 'new' | 'reprocess') => (kind === 'new' ? 'begin the job' : 'begin a reprocess'),
  prepare: (generation: number, tier: string) => `prepare generation ${generation} (read the dataset, write ${tier} shards)`,
  planRound: (round: number) => `plan round ${round} (re-shard what is retryable)`,
  collectFailedShard: (s: ShardPlace) => `collect ${shardLabel(s)} after its workflow failed`,
  finalize: (generation: number) => `finalize generation ${generation} (settle every item, write the report)`,
  storedReport: () => 'read the stored report',
};
