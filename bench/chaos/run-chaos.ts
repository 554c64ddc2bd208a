import { parseArgs } from 'node:util';
import { runChaos } from './chaos-runner';

/**
 * `npm run chaos -- --schedules N --seed S`: N randomized fault schedules (see README.md "Chaos"), ending with
 * `N schedules, V invariant violations`; exits 1 when V > 0, 2 on a bad flag.
 */
async function main(): Promise<number> {
  // as the CLI does: the AWS SDK's notice about future Node versions is noise here (--storage)
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values } = parseArgs({
    options: {
      schedules: { type: 'string', default: '10' },
      seed: { type: 'string', default: String(Date.now()) },
      'job-timeout': { type: 'string', default: '240' },
      'no-temporal-restart': { type: 'boolean', default: false },
      storage: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
  const schedules = Number(values.schedules);
  const jobTimeoutSeconds = Number(values['job-timeout']);
  if (!Number.isInteger(schedules) || schedules < 1) return usage(`--schedules: a whole number of at least 1, not ${values.schedules}`);
  if (!(jobTimeoutSeconds > 0)) return usage(`--job-timeout: seconds, not ${values['job-timeout']}`);
  console.log(`chaos: ${schedules} schedules, seed ${values.seed}`);
  const summary = await runChaos({ schedules, seed: values.seed, jobTimeoutSeconds, temporalRestarts: !values['no-temporal-restart'], storage: values.storage, keep: values.keep, verbose: values.verbose });
  return summary.violations ? 1 : 0;
}

function usage(problem: string): number {
  console.error(`${problem}\nusage: npm run chaos -- [--schedules N] [--seed S] [--job-timeout SECONDS] [--no-temporal-restart] [--storage] [--keep] [--verbose]`);
  return 2;
}

// Ctrl-C: exit, which kills the workers and emulator still running (child-process.ts); the Temporal server's
// supervisor ends it when this process is gone
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
