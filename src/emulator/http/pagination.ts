import { ApiError } from './api-error';

/** A page in the shape both providers use: data plus first_id / last_id / has_more. */
export interface Page<T> {
  data: T[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/** Reads `limit` from the query: default 20, between 1 and `max`, else 400. */
export function pageLimit(query: URLSearchParams, max: number): number {
  const raw = query.get('limit');
  if (raw === null) return 20;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new ApiError(400, 'invalid_request', `limit must be an integer between 1 and ${max}.`, null, 'limit');
  }
  return limit;
}

/**
 * One page of `items` (already in list order, e.g. newest first) after the item with id `afterId`
 * (OpenAI `after`, Anthropic `after_id`), or ending just before `beforeId` (Anthropic `before_id`).
 * An unknown cursor gives an empty page.
 */
export function paginate<T extends { id: string }>(
  items: T[],
  limit: number,
  cursor: { afterId?: string | null; beforeId?: string | null },
): Page<T> {
  let data: T[];
  let hasMore: boolean;
  if (cursor.beforeId) {
    const end = items.findIndex((item) => item.id === cursor.beforeId);
    const start = Math.max(0, end - limit);
    data = end < 0 ? [] : items.slice(start, end);
    hasMore = end > 0 && start > 0;
  } else {
    const start = cursor.afterId ? items.findIndex((item) => item.id === cursor.afterId) + 1 : 0;
    data = cursor.afterId && start === 0 ? [] : items.slice(start, start + limit);
    hasMore = start + limit < items.length && data.length > 0;
  }
  return { data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null, has_more: hasMore };
}
