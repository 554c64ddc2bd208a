import { planJob } from '../../client/job-plan';
import { DEFAULT_REALTIME_RATE, FLEX_RATE_FACTOR } from '../../report/plan-estimate';
import type { CliCommand } from '../cli-command';
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

    const positive = (n: number) => n > 0;
    const rpm = numberFlag(ctx.values.rpm, 'rpm', positive);
    const tpm = numberFlag(ctx.values.tpm, 'tpm', positive);
    const { spec, estimate: plan } = await planJob(input, {
      baseDir,
      ...(withinSeconds !== undefined ? { withinSeconds } : {}),
      realtimeRate: { ...(rpm !== undefined ? { requestsPerMinute: rpm } : {}), ...(tpm !== undefined ? { tokensPerMinute: tpm } : {}) },
    });
    const title = `${spec.provider} ${spec.model} (spec mode: ${spec.mode}), ${spec.dataset.path.startsWith('blob:') ? 'inline rows' : spec.dataset.path}`;
    const json = { provider: spec.provider, model: spec.model, specMode: spec.mode, dataset: spec.dataset.path, ...plan };
    ctx.stdout.write((booleanFlag(ctx.values.json) ? JSON.stringify(json, null, 2) : planText(plan, title)) + '\n');
    return 0;
  },
};

