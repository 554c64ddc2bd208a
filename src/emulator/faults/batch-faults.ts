import type { Provider, ResolvedScenario } from '../scenario';
import type { BatchFate, ValidationError } from '../state';
import { ruleFires } from './rule-counter';

/** What the scenario decided for a batch at creation. */
export interface BatchVerdict {
  fate: BatchFate;
  /** A scripted validation failure (OpenAI). */
  validationError?: ValidationError;
}

/** Applies the first batch fault rule that matches and fires; every matching rule counts the batch. */
export function batchVerdictFor(scenario: ResolvedScenario, hits: Record<string, number>, provider: Provider, model: string | null): BatchVerdict {
  for (const [index, rule] of scenario.batchFaults.entries()) {
    if (rule.provider && rule.provider !== provider) continue;
    if (rule.model && rule.model !== model) continue;
    if (rule.kind === 'fail_validation' && provider !== 'openai') continue;
    if (!ruleFires(hits, `batchFaults:${index}`, rule, scenario.seed)) continue;
    if (rule.kind === 'fail_validation') {
      return { fate: normalFate(), validationError: { code: rule.code, message: rule.message, line: null, param: null } };
    }
    return { fate: { kind: rule.kind, atFraction: rule.atFraction, forever: rule.kind === 'stall' && rule.forever } };
  }
  return { fate: normalFate() };
}

export function normalFate(): BatchFate {
  return { kind: 'normal', atFraction: 1, forever: false };
}

/** Whether the scenario drops the response of this create (the batch is created anyway), and how. */
export function createFaultFor(scenario: ResolvedScenario, hits: Record<string, number>, provider: Provider, model: string | null): 'status_500' | 'close' | 'hang' | undefined {
  for (const [index, rule] of scenario.createFaults.entries()) {
    if (rule.provider && rule.provider !== provider) continue;
    if (rule.model && rule.model !== model) continue;
    if (ruleFires(hits, `createFaults:${index}`, rule, scenario.seed)) return rule.response;
  }
  return undefined;
}
