import type { TestStack } from '../support/stack';

/**
 * The failure types of the attempts that failed before an activity of a job finally ran (Temporal records an
 * activity's last failed attempt on its started event), over the job workflow and its round-0 shard workflows.
 */
export async function retriedFailureTypes(stack: TestStack, jobId: string, shards: number): Promise<string[]> {
  const ids = [`longhaul/${jobId}`, ...Array.from({ length: shards }, (_, i) => `longhaul/${jobId}/g0/r0/s${i}`)];
  const types: string[] = [];
  for (const id of ids) {
    const history = await stack.client.temporal.workflow.getHandle(id).fetchHistory();
    for (const event of history.events ?? []) {
      const type = event.activityTaskStartedEventAttributes?.lastFailure?.applicationFailureInfo?.type;
      if (type) types.push(type);
    }
  }
  return types;
}
