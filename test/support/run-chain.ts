import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { StartSpec } from '../../src/client/start-spec';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from './datasets';

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;

/** The run a workflow's latest run continued from, '' when none (read from its history: visibility may lag). */
export async function continuedFrom(client: Client, workflowId: string, runId?: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory().catch(() => undefined);
  return history?.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? '';
}

/**
 * Every run of a workflow with its history, oldest first, following continue-as-new back from the latest run
 * (whose `runId` is undefined: the latest).
 */
export async function runChain(client: Client, workflowId: string): Promise<Array<{ runId: string | undefined; history: History }>> {
  const runs: Array<{ runId: string | undefined; history: History }> = [];
  for (let runId: string | undefined = undefined; ; ) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift({ runId, history });
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    if (!runId) return runs;
  }
}

/**
 * A job of one round only, one request per shard and two shards in flight: on a server that suggests
 * continue-as-new early, any continue-as-new of the job happens inside its round.
 */
export function inRoundJob(dir: string, jobId: string, items: number): StartSpec {
  return {
    jobId,
    dataset: { path: writeTicketsJsonl(path.join(dir, 'in-round'), items), idField: 'id' },
    model: 'gpt-4o-mini',
    prompt: TICKET_PROMPT,
    outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
    limits: { maxRequestsPerShard: 1, shardsInFlight: 2 },
    retry: { maxRounds: 0 },
    polling: { initialSeconds: 0.1, maxSeconds: 0.1 },
    // tickets another test of the server answered: from the cache, they would need no shard
    reuseCachedAnswers: false,
  };
}
