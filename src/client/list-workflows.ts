import type { Client } from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import type { TypedSearchAttributes } from '@temporalio/common';
import { decodeOptionalSinglePayload } from '@temporalio/common/lib/internal-non-workflow';

/** A workflow run as visibility lists it: ids, status, times and search attributes. */
export interface ListedWorkflow {
  workflowId: string;
  runId: string;
  type: string;
  /** COMPLETED, RUNNING, FAILED, CONTINUED_AS_NEW, ... */
  status: string;
  startTime: Date;
  closeTime?: Date;
  searchAttributes: TypedSearchAttributes;
  /**
   * One memo field, decoded through the client's data converter (its payload codec): rejects when it cannot be
   * (a job encrypted with a key this client lacks). Undefined when the run has no such field.
   */
  memoField(name: string): Promise<unknown>;
}

/** temporal.api.enums.v1.WorkflowExecutionStatus, by code (names as the SDK's WorkflowExecutionStatusName). */
export const STATUS_NAMES = ['UNSPECIFIED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT', 'PAUSED'];

export function dateOf(ts: { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined): Date | undefined {
  if (!ts?.seconds) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6));
}

/**
 * Lists workflow runs matching a visibility query, newest first, decoding their memos only when asked: the SDK's
 * `workflow.list` decodes every memo through the client's payload codec, so one encrypted job (LONGHAUL_PAYLOAD_KEY)
 * made a client without the key fail the whole listing. Search attributes are never encrypted.
 */
export async function* listWorkflows(client: Client, query: string): AsyncGenerator<ListedWorkflow> {
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, ...(nextPageToken ? { nextPageToken } : {}) });
    for (const raw of page.executions ?? []) {
      const closeTime = dateOf(raw.closeTime);
      yield {
        workflowId: raw.execution?.workflowId ?? '',
        runId: raw.execution?.runId ?? '',
        type: raw.type?.name ?? '',
        status: STATUS_NAMES[raw.status ?? 0] ?? 'UNSPECIFIED',
        startTime: dateOf(raw.startTime) ?? new Date(0),
        ...(closeTime ? { closeTime } : {}),
        searchAttributes: decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields),
        memoField: async (name) => (await decodeOptionalSinglePayload(client.options.loadedDataConverter, raw.memo?.fields?.[name])) ?? undefined,
      };
    }
    nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken);
}
