import { runChaos } from '../../bench/chaos/chaos-runner';
import { faultSchedule } from '../../bench/chaos/fault-schedule';
import { mangle } from '../../bench/chaos/run-schedule';

/**
 * A few of `npm run chaos`'s randomized fault schedules on every test run, with a fixed seed: five jobs (batch,
 * flex, realtime, reprocess, cancel) on two `longhaul worker` processes while workers are killed -9 and paused,
 * the emulator and the Temporal server are killed -9 and restarted, provider faults are injected and result
 * files mangled. Runs the build (dist/) as users do: `npm run build` first (npm test does).
 */
describe('randomized fault schedules', () => {
  it('a seed gives the same schedule every time, and another seed another one', () => {
    const options = { heartbeatSeconds: 3, temporalRestarts: true };
    expect(faultSchedule('ci', options)).toEqual(faultSchedule('ci', options));
    expect(faultSchedule('ci', options).events).not.toEqual(faultSchedule('ci.1', options).events);
    expect(faultSchedule('ci', options).events.filter((e) => e.kind === 'cancel-job')).toHaveLength(1);
  });

  it('mangling damages exactly one line of a results file', () => {
    const text = '{"custom_id":"a","x":1}\n{"custom_id":"b","x":2}\n';
    expect(mangle(text, 'dropped-line', 1)).toBe('{"custom_id":"a","x":1}\n');
    expect(mangle(text, 'missing-custom-id', 0)).toBe('{"x":1}\n{"custom_id":"b","x":2}\n');
    expect(mangle(text, 'malformed-line', 3)).toBe('{"custom_id":"a","x":1}\n{"custom_id\n');
    expect(mangle('', 'dropped-line', 0)).toBeUndefined();
  });

  it('two schedules with a fixed seed: every invariant holds', async () => {
    const lines: string[] = [];
    const bundle = process.env.LONGHAUL_TEST_WORKFLOW_BUNDLE;
    const summary = await runChaos({ schedules: 2, seed: 'ci', print: (line) => lines.push(line), ...(bundle ? { workflowBundle: bundle } : {}) });
    if (summary.violations) console.log(lines.join('\n'));
    expect(summary).toEqual({ schedules: 2, violations: 0, failedSeeds: [] });
  }, 900_000);
});
