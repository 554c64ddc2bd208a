import type { ProviderCapabilities, ProviderLimits } from '../providers/batch-provider';
import type { ResolvedJobSpec } from './job-spec';
import { InvalidSpecError, type InputProblem } from './spec-errors';

/** What the workflows need to know about a provider to plan tiers (data from provider-limits.ts). */
export interface ProviderFacts {
  expectedCompletionHours: number;
  completionWindowHours: number;
  batch: boolean;
  flex: boolean;
  realtime: boolean;
}

export function providerFacts(limits: ProviderLimits, capabilities: ProviderCapabilities): ProviderFacts {
  return {
    expectedCompletionHours: limits.expectedCompletionHours,
    completionWindowHours: limits.completionWindowHours,
    batch: capabilities.batch,
    flex: capabilities.flex,
    realtime: capabilities.realtime,
  };
}

/**
 * Problems that would make a job fail later, found before anything is submitted: a model with no price
 * (unless allowed), a mode the provider cannot serve, a deadline already past. Checked by the client at
 * start and again by the worker (whose configuration is the one that counts).
 */
export function runnableProblems(
  spec: Pick<ResolvedJobSpec, 'model' | 'provider' | 'mode' | 'allowUnknownModel' | 'deadline'>,
  context: { priceKnown: (model: string) => boolean; capabilities: ProviderCapabilities; nowMs: number },
): InputProblem[] {
  const problems: InputProblem[] = [];
  const { capabilities } = context;
  if (!spec.allowUnknownModel && !context.priceKnown(spec.model)) {
    problems.push({ path: 'model', message: `unknown model "${spec.model}": it has no price (add it with LONGHAUL_PRICES, or set allowUnknownModel: true)` });
  }
  const served = { batch: capabilities.batch, flex: capabilities.flex, realtime: capabilities.realtime, auto: capabilities.batch || capabilities.realtime };
  if (!served[spec.mode]) problems.push({ path: 'mode', message: `${spec.provider} cannot serve mode "${spec.mode}"` });
  if (spec.deadline && Date.parse(spec.deadline) <= context.nowMs) problems.push({ path: 'deadline', message: `${spec.deadline} has already passed` });
  return problems;
}

/** @throws InvalidSpecError listing every problem. */
export function assertRunnable(spec: Parameters<typeof runnableProblems>[0], context: Parameters<typeof runnableProblems>[1]): void {
  const problems = runnableProblems(spec, context);
  if (problems.length > 0) throw new InvalidSpecError(problems);
}
