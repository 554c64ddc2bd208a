import type { Inspection } from '../../src/emulator';
import { ticket } from '../../test/support/datasets';
import type { JobKind, JobRun } from './chaos-jobs';

/** The output of every item of every job kind in a fault-free run: kind -> item id -> output as JSON text. */
export type Baseline = Map<JobKind, Map<string, string>>;

/** The baseline from the runs of a schedule without faults (each must have succeeded item by item). */
export function baselineOf(runs: JobRun[]): Baseline {
  const baseline: Baseline = new Map();
  for (const run of runs) {
    if (!run.report || !run.lines) throw new Error(`the fault-free run of the ${run.kind} job failed: ${run.error ?? 'no report'}`);
    const lines = run.lines;
    const bad = lines.filter((l) => l.state !== 'succeeded');
    if (bad.length) throw new Error(`the fault-free run of the ${run.kind} job has ${bad.length} items not succeeded (${bad[0]!.error?.reason})`);
    baseline.set(run.kind, new Map(lines.map((l) => [l.id, JSON.stringify(l.output)])));
  }
  return baseline;
}

/**
 * The invariants of one job after a schedule, as one violation text each (empty: none): the job ended; every
 * item of its dataset has exactly one result line, in input order; the report's counts add up and match the
 * lines; each succeeded (or cached) item's output is the fault-free run's; at the provider, no shard attempt has
 * two batches and no request of the job was submitted twice under one custom_id.
 */
export function checkJob(run: JobRun, baseline: Baseline, seen: Inspection): string[] {
  const violations: string[] = [];
  const v = (text: string) => violations.push(`${run.kind} (${run.jobId}): ${text}`);
  if (!run.report || !run.lines) {
    v(run.error ?? 'no report');
  } else {
    const { report, lines } = run;
    if (run.kind !== 'cancel' && report.status !== 'completed') v(`status ${report.status}, not completed`);
    const expected = Array.from({ length: run.items }, (_, i) => ticket(i).id);
    const ids = lines.map((l) => l.id);
    if (lines.length !== run.items) v(`${lines.length} result lines for ${run.items} items`);
    const duplicated = ids.filter((id, i) => ids.indexOf(id) !== i);
    if (duplicated.length) v(`items with two result lines: ${duplicated.slice(0, 5).join(', ')}`);
    const missing = expected.filter((id) => !ids.includes(id));
    if (missing.length) v(`items without a result line: ${missing.slice(0, 5).join(', ')}`);
    if (lines.some((l, i) => i > 0 && l.line < lines[i - 1]!.line)) v('result lines out of input order');
    const { succeeded, failed, cancelled, cached } = report.counts;
    if (succeeded + failed + cancelled + cached !== report.total || report.total !== run.items) v(`counts ${JSON.stringify(report.counts)} do not add up to ${run.items} (total ${report.total})`);
    const tally = { succeeded: 0, failed: 0, cancelled: 0, cached: 0 };
    for (const line of lines) tally[line.state]++;
    if (JSON.stringify(tally) !== JSON.stringify({ succeeded, failed, cancelled, cached })) v(`result lines ${JSON.stringify(tally)} differ from the report's counts ${JSON.stringify(report.counts)}`);
    const reference = baseline.get(run.kind);
    const differing = lines.filter((l) => (l.state === 'succeeded' || l.state === 'cached') && reference?.get(l.id) !== JSON.stringify(l.output));
    if (differing.length) v(`${differing.length} succeeded items answer differently from the fault-free run (first: ${differing[0]!.id}: ${JSON.stringify(differing[0]!.output)} vs ${reference?.get(differing[0]!.id)})`);
  }
  const batches = seen.batches.openai.filter((b) => b.metadata?.longhaul_job === run.jobId);
  const perAttempt = new Map<string, typeof batches>();
  for (const b of batches) perAttempt.set(b.metadata!.longhaul_shard!, [...(perAttempt.get(b.metadata!.longhaul_shard!) ?? []), b]);
  const strays = run.report?.integrity?.strayBatches;
  for (const [attempt, twins] of perAttempt) {
    if (twins.length < 2) continue;
    // what each batch did and what the job knew of it, to tell a contained stray from a double submission
    const each = twins.map((b) => `${b.id} ${b.status}, ${b.request_counts.completed ?? 0} answered`).join('; ');
    v(`shard attempt ${attempt} has ${twins.length} provider batches (${each}); the report counts ${strays ? `${strays.count} stray batches, ${strays.requestsBilled} requests billed` : 'no stray batch'}`);
  }
  const ours = new Set(batches.map((b) => b.id));
  const twice = Object.entries(seen.submissions.byCustomId.openai).filter(([, s]) => s.batches.filter((id) => ours.has(id)).length > 1);
  if (twice.length) v(`${twice.length} requests submitted in two batches (first: ${twice[0]![0]})`);
  return violations;
}

/** How the job's items ended, for the schedule's summary line (e.g. `batch 58/2/0/0 (failed: server_error x2)`: succeeded/failed/cancelled/cached). */
export function outcomeSummary(run: JobRun): string {
  if (!run.report) return `${run.kind} -`;
  const { succeeded, failed, cancelled, cached } = run.report.counts;
  const reasons = new Map<string, number>();
  for (const line of run.lines ?? []) if (line.state === 'failed') reasons.set(line.error?.reason ?? '?', (reasons.get(line.error?.reason ?? '?') ?? 0) + 1);
  const why = reasons.size ? ` (failed: ${[...reasons].map(([reason, n]) => `${reason} x${n}`).join(', ')})` : '';
  return `${run.kind} ${succeeded}/${failed}/${cancelled}/${cached}${why}`;
}
