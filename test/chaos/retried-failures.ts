import type { TestStack } from '../support/stack';

/**
 * The failure types of the attempts that failed before an activity of a job finally ran (Temporal records an
 * activity's last failed attempt on its started event), over the job workflow and its round-0 shard workflows.
 */
export async function retriedFailureTypes(stack: TestStack, jobId: string, shards: number): Promise<string[]> {
  return (await retriedFailureMessages(stack, jobId, shards)).map((f) => f.type);
}

/** As retriedFailureTypes, with each failure's message. */
export async function retriedFailureMessages(stack: TestStack, jobId: string, shards: number): Promise<Array<{ type: string; message: string }>> {
  const ids = [`longhaul/${jobId}`, ...Array.from({ length: shards }, (_, i) => `longhaul/${jobId}/g0/r0/s${i}`)];
  const failures: Array<{ type: string; message: string }> = [];
  for (const id of ids) {
    const history = await stack.client.temporal.workflow.getHandle(id).fetchHistory();
    for (const event of history.events ?? []) {
      const failure = event.activityTaskStartedEventAttributes?.lastFailure;
      const type = failure?.applicationFailureInfo?.type;
      if (type) failures.push({ type, message: failure?.message ?? '' });
    }
  }
  return failures;
}
