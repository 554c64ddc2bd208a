import type { LonghaulConfig } from '../config/longhaul-config';
import { PROVIDER_CAPABILITIES } from '../providers/provider-limits';
import { PriceTable } from '../report/price-table';
import type { JobReport } from '../report/job-report';
import type { ResolvedJobSpec } from '../spec/job-spec';
import type { JobSpecChanges } from '../spec/resolve-spec';
import { runnableProblems } from '../spec/runnable-check';
import { InvalidSpecError } from '../spec/spec-errors';

/**
 * What can be told of reprocess `changes` before anything is sent, from the job's last report: a model with no
 * price, a mode or endpoint the provider cannot serve, a past deadline. The worker checks the whole spec again;
 * this catches the common slips before a run is started for them. Reads only the report and the prices.
 * @throws InvalidSpecError naming the change.
 */
export function checkReprocessChanges(last: JobReport, changes: JobSpecChanges, config: Pick<LonghaulConfig, 'prices'>): void {
  const provider = (changes.provider ?? last.provider) as ResolvedJobSpec['provider'];
  const capabilities = PROVIDER_CAPABILITIES[provider] as (typeof PROVIDER_CAPABILITIES)[keyof typeof PROVIDER_CAPABILITIES] | undefined;
  const prices = new PriceTable(config.prices);
  const problems = runnableProblems(
    {
      model: changes.model ?? last.model,
      provider,
      mode: (changes.mode ?? last.mode) as ResolvedJobSpec['mode'],
      // the job's own allowUnknownModel is not in its report: only a model or provider change is checked
      allowUnknownModel: changes.allowUnknownModel ?? !(changes.model || changes.provider),
      ...(changes.deadline ? { deadline: changes.deadline } : {}),
    },
    { priceKnown: (model) => prices.priceOf(model) !== undefined, capabilities: capabilities ?? PROVIDER_CAPABILITIES.openai, nowMs: Date.now() },
  );
  // an unchanged mode was served before: only a change of mode or provider is checked
  const modeChanged = capabilities !== undefined && (changes.mode !== undefined || changes.provider !== undefined);
  const relevant = problems.filter((p) => p.path !== 'mode' || modeChanged);
  const before = PROVIDER_CAPABILITIES[last.provider as ResolvedJobSpec['provider']] as typeof capabilities;
  // the job keeps its endpoint unless the changes name one: another provider must serve it
  if (capabilities && before && changes.provider && !changes.endpoint && !before.endpoints.some((e) => (capabilities.endpoints as readonly string[]).includes(e))) {
    relevant.push({ path: 'endpoint', message: `${provider} serves ${capabilities.endpoints.join(', ')}, not ${last.provider}'s endpoints: add endpoint: ${capabilities.endpoints[0]} to the changes` });
  }
  if (relevant.length > 0) throw new InvalidSpecError(relevant, 'reprocess changes');
}
