import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prepareStartSpec } from '../../client/start-spec';
import { loadConfig } from '../../config/longhaul-config';
import { PROVIDER_CAPABILITIES, PROVIDER_LIMITS } from '../../providers/provider-limits';
import { DEFAULT_REALTIME_RATE, estimatePlan, FLEX_RATE_FACTOR, type ThroughputRate } from '../../report/plan-estimate';
import { planDatasetStore } from '../../report/plan-dataset-store';
import { scanDataset } from '../../report/plan-scan';
import { PriceTable } from '../../report/price-table';
import type { CliCommand, CliContext } from '../cli-command';
import { booleanFlag, durationFlag, numberFlag } from '../cli-flags';
import { SPEC_HELP, SPEC_OPTIONS, specFromArgs } from '../job-spec-args';
import { planText } from '../plan-text';

/**
 * `longhaul plan`: reads the dataset once (nothing is sent or spent) and estimates tokens, cost and time in
 * batch, flex and realtime mode, then recommends one from the latency tolerance, the volume and the deadline.
 */
export const planCommand: CliCommand = {
  name: 'plan',
  summary: 'Estimate tokens, cost and time per mode (batch, flex, realtime) and recommend one; nothing is spent',
  usage: 'SPEC | --input FILE --model M --prompt TEXT [...] [--within DURATION] [--rpm N] [--tpm N] [--json]',
  help: [
    SPEC_HELP,
    'Estimate:',
    '  --within DURATION     latency tolerance (90m, 2h, 1d); the spec\'s deadline counts too, the tighter wins',
    `  --rpm N               realtime requests per minute (default: the spec's realtime.requestsPerMinute, else ${DEFAULT_REALTIME_RATE.requestsPerMinute})`,
    `  --tpm N               realtime tokens per minute (default: the spec's realtime.tokensPerMinute, else ${DEFAULT_REALTIME_RATE.tokensPerMinute.toLocaleString('en-US')});`,
    `                        flex is assumed at ${FLEX_RATE_FACTOR * 100}% of these`,
    '  --json                print the plan as JSON',
    'Output tokens come from the output schema (a typical answer), else params.max_tokens, else 256 per item.',
    'Batch time: waves of limits.shardsInFlight batches, each the provider\'s usual time (worst: its window).',
    'Prices: the built-in table, overridden by LONGHAUL_PRICES.',
    'An s3://bucket/key dataset is read in place with the standard AWS variables (endpoint, region, keys or profile).',
  ].join('\n'),
  options: { ...SPEC_OPTIONS, within: { type: 'string' }, rpm: { type: 'string' }, tpm: { type: 'string' }, json: { type: 'boolean' } },
  allowPositionals: true,
  async run(ctx) {
    const { spec: input, baseDir } = specFromArgs(ctx);
    const withinSeconds = durationFlag(ctx.values.within, 'within');

    // inline rows are written somewhere temporary; a plan leaves nothing behind, also when a signal ends it
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'longhaul-plan-'));
    const removeScratch = () => rmSync(scratch, { recursive: true, force: true });
    process.once('exit', removeScratch);
    // an s3:// dataset is read in place, with the AWS variables' endpoint and keys
    const { blobs, close } = planDatasetStore(input.dataset, scratch, process.env);
    try {
      const spec = await prepareStartSpec(input, blobs, baseDir);
      const scan = await scanDataset(spec, blobs);
      const prices = new PriceTable(loadConfig(process.env, { dataDir: scratch }).prices);
      const realtimeRate = rateOf(ctx, spec);
      const plan = estimatePlan({
        spec,
        scan,
        price: prices.priceOf(spec.model),
        limits: PROVIDER_LIMITS[spec.provider],
        capabilities: PROVIDER_CAPABILITIES[spec.provider],
        realtimeRate,
        ...(withinSeconds !== undefined ? { withinSeconds } : {}),
      });
      const title = `${spec.provider} ${spec.model} (spec mode: ${spec.mode}), ${spec.dataset.path.startsWith('blob:') ? 'inline rows' : spec.dataset.path}`;
      const json = { provider: spec.provider, model: spec.model, specMode: spec.mode, dataset: spec.dataset.path, ...plan };
      ctx.stdout.write((booleanFlag(ctx.values.json) ? JSON.stringify(json, null, 2) : planText(plan, title)) + '\n');
      return 0;
    } finally {
      close();
      process.removeListener('exit', removeScratch);
      removeScratch();
    }
  },
};

/**
 * The synchronous rate to plan with: --rpm / --tpm, else the pace the spec sets for synchronous tiers
 * (`realtime.requestsPerMinute` / `tokensPerMinute`, in specs that have them), else the defaults.
 */
function rateOf(ctx: Pick<CliContext, 'values'>, spec: object): ThroughputRate {
  const positive = (n: number) => n > 0;
  const paced = (spec as { realtime?: Partial<ThroughputRate> }).realtime;
  return {
    requestsPerMinute: numberFlag(ctx.values.rpm, 'rpm', positive) ?? paced?.requestsPerMinute ?? DEFAULT_REALTIME_RATE.requestsPerMinute,
    tokensPerMinute: numberFlag(ctx.values.tpm, 'tpm', positive) ?? paced?.tokensPerMinute ?? DEFAULT_REALTIME_RATE.tokensPerMinute,
  };
}
