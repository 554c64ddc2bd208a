import { runChaos } from '../../bench/chaos/chaos-runner';
import { faultSchedule } from '../../bench/chaos/fault-schedule';
import { mangle } from '../../bench/chaos/run-schedule';
import { checkJob } from '../../bench/chaos/invariants';
import type { JobRun } from '../../bench/chaos/chaos-jobs';
import type { Inspection } from '../../src/emulator';
import type { JobReport } from '../../src/report/job-report';
import type { ResultLine } from '../../src/results/result-line';

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

  it('the checks name each broken invariant', () => {
    const line = (i: number, output: unknown): ResultLine => ({ id: `t-00000${i}`, line: i + 1, state: 'succeeded', output, error: null, tier: 'batch', round: 0, tokens: { in: 1, out: 1 }, costUsd: 0 });
    const report = { status: 'completed', total: 3, counts: { succeeded: 3, failed: 0, cancelled: 0, cached: 0 } } as JobReport;
    const run: JobRun = { kind: 'batch', jobId: 'j', items: 3, report, lines: [line(0, { a: 1 }), line(1, { a: 2 }), line(1, { a: 2 })] };
    const baseline = new Map([['batch' as const, new Map([['t-000000', '{"a":1}'], ['t-000001', '{"a":9}'], ['t-000002', '{"a":3}']])]]);
    const batch = (id: string, shard: string) => ({ id, status: 'completed', model: null, endpoint: '/v1/chat/completions', metadata: { longhaul_job: 'j', longhaul_shard: shard }, request_counts: {}, created_at: 0 });
    const seen = {
      batches: { openai: [batch('b1', 's1'), batch('b2', 's1')], anthropic: [] },
      submissions: { byCustomId: { openai: { c1: { count: 2, batches: ['b1', 'b2'] } }, anthropic: {} }, byBatch: {}, duplicates: { openai: [], anthropic: [] } },
    } as unknown as Inspection;
    expect(checkJob(run, baseline, seen)).toEqual([
      'batch (j): items with two result lines: t-000001',
      'batch (j): items without a result line: t-000002',
      'batch (j): 2 succeeded items answer differently from the fault-free run (first: t-000001: {"a":2} vs {"a":9})',
      'batch (j): shard attempt s1 has 2 provider batches (b1 completed, 0 answered; b2 completed, 0 answered); the report counts no stray batch',
      'batch (j): 1 requests submitted in two batches (first: c1)',
    ]);
    expect(checkJob({ kind: 'flex', jobId: 'k', items: 1, error: 'flex job did not end within 240 s' }, baseline, seen)).toEqual(['flex (k): flex job did not end within 240 s']);
  });

  it('two schedules with a fixed seed: every invariant holds', async () => {
    const lines: string[] = [];
    const bundle = process.env.LONGHAUL_TEST_WORKFLOW_BUNDLE;
    const summary = await runChaos({ schedules: 2, seed: 'ci', print: (line) => lines.push(line), ...(bundle ? { workflowBundle: bundle } : {}) });
    if (summary.violations) console.log(lines.join('\n'));
    expect(summary).toEqual({ schedules: 2, violations: 0, failedSeeds: [] });
  }, 900_000);
});
