import type { Provider } from './scenario';
import type { EmulatorState } from './state';

/**
 * Counts one submission of each custom_id in a created batch: the figure tests use to prove exactly-once
 * submission. Called (through StateStore.recordSubmissions, which also logs it) once per batch that will run
 * (not for batches that fail validation).
 */
export function countSubmissions(state: EmulatorState, provider: Provider, batchId: string, customIds: Iterable<string>): void {
  const counts = state.submissions[provider];
  for (const customId of customIds) {
    const entry = (counts[customId] ??= { count: 0, batches: [] });
    entry.count += 1;
    entry.batches.push(batchId);
  }
}

/** Which submission of `customId` batch `batchId` is (1 = first); seeds that request's fault draw. */
export function submissionNumber(state: EmulatorState, provider: Provider, customId: string, batchId: string): number {
  const index = state.submissions[provider][customId]?.batches.indexOf(batchId) ?? -1;
  return index < 0 ? 1 : index + 1;
}

/** Counts one synchronous call under `provider endpoint model service_tier`. */
export function recordSyncRequest(state: EmulatorState, provider: Provider, endpoint: string, model: string, serviceTier: string): void {
  const key = `${provider} ${endpoint} ${model} ${serviceTier}`;
  state.syncRequests[key] = (state.syncRequests[key] ?? 0) + 1;
}
