import { ApplicationFailure } from '@temporalio/common';

/**
 * The innermost failure of a chain (workflow failed -> activity failed -> application failure): the real
 * cause's message, and its failure type when it is an ApplicationFailure.
 */
export function innermostFailure(err: unknown): { message: string; type?: string } {
  let found: { message: string; type?: string } = { message: err instanceof Error ? err.message : String(err) };
  for (let current: unknown = err; current instanceof Error; current = (current as { cause?: unknown }).cause) {
    if (current.message) found = { message: current.message, ...(current instanceof ApplicationFailure && current.type ? { type: current.type } : {}) };
  }
  return found;
}
