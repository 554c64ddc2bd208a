import type { SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';

/**
 * The search attributes every Longhaul job carries, so jobs can be found in the Temporal UI and with
 * `temporal workflow list --query`. The dev server registers them from this table; a cluster operator
 * registers them once with `temporal operator search-attribute create` (see README).
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
} as const;
