import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startChaosStack, type ChaosStack } from './chaos-stack';
import { startJobs, type JobRun } from './chaos-jobs';
import type { FaultEvent, FaultSchedule, Mangling } from './fault-schedule';
import { checkJob, outcomeSummary, type Baseline } from './invariants';
import { NO_FAULTS, PROVIDER_FAULTS } from './provider-faults';
import type { ChaosStores } from './chaos-stores';
import type { ChaosTemporal } from './temporal-server';

export interface ScheduleRunOptions {
  temporal: ChaosTemporal;
  /** The schedule's own directory (data dirs, datasets, emulator state). */
  dir: string;
  /** Seconds each job has to end. */
  jobTimeoutSeconds: number;
  workflowBundle?: string;
  /** PostgreSQL and S3 stores (`--storage`): each schedule gets a database and a bucket, and restarts them. */
  stores?: ChaosStores;
  /** Keep the directory even when the schedule passed. */
  keep?: boolean;
}

export interface ScheduleOutcome {
  runs: JobRun[];
  violations: string[];
  /** Items per job, `kind succeeded/failed/cancelled/cached`. */
  summary: string;
  /** What the stack did, with times (for a failing schedule's printout). */
  log: string[];
  /** Faults applied (the rest came after every job had ended), and result files the proxy damaged. */
  applied: number;
  mangled: number;
  seconds: number;
}

/**
 * Runs the jobs of one schedule while its faults happen, then checks the invariants. Without a baseline (the
 * fault-free run) no fault is applied, the cancel job is not cancelled, and only the provider-side checks run.
 */
export async function runSchedule(schedule: FaultSchedule, baseline: Baseline | undefined, options: ScheduleRunOptions): Promise<ScheduleOutcome> {
  const started = Date.now();
  let stack: ChaosStack;
  try {
    const env = options.stores ? await options.stores.scheduleEnv(schedule.seed) : undefined;
    stack = await startChaosStack({ dir: options.dir, temporal: options.temporal, seed: schedule.seed, ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}), ...(env ? { env } : {}) });
  } catch (err) {
    // a worker or the emulator that cannot start is a failure of the schedule, not of the whole run
    return { runs: [], violations: [`the stack did not start: ${(err as Error).message}`], summary: '-', log: [], applied: 0, mangled: 0, seconds: Math.round((Date.now() - started) / 1000) };
  }
  let outcome: ScheduleOutcome | undefined;
  try {
    const jobs = await startJobs(stack.client, options.dir, `chaos-${schedule.seed.replace(/[^a-zA-Z0-9._-]/g, '_')}`, options.jobTimeoutSeconds * 1000);
    const jobsStarted = Date.now();
    stack.startClock();
    let ended = false;
    let applied = 0;
    const runs = jobs.runs.finally(() => (ended = true));
    const applying = (async () => {
      for (const event of baseline ? schedule.events : []) {
        await sleep(Math.max(0, jobsStarted + event.atMs - Date.now()));
        if (ended) return;
        stack.note(`> ${event.kind}`);
        applied++;
        await apply(stack, event, jobs.cancel, options.stores).catch((err: Error) => stack.note(`${event.kind} failed: ${err.message}`));
      }
    })();
    const finished = await runs;
    await applying;
    const seen = await stack.inspect();
    const violations = baseline ? finished.flatMap((run) => checkJob(run, baseline, seen)) : finished.filter((r) => r.error).map((r) => `${r.kind}: ${r.error}`);
    outcome = { runs: finished, violations, summary: finished.map(outcomeSummary).join(', '), log: stack.log, applied, mangled: stack.proxy.rewritten.length, seconds: Math.round((Date.now() - started) / 1000) };
    if (violations.length) writeFileSync(path.join(options.dir, 'workers.log'), stack.workerOutput());
    return outcome;
  } finally {
    await stack.stop();
    if (outcome && !outcome.violations.length && !options.keep) rmSync(options.dir, { recursive: true, force: true });
  }
}

async function apply(stack: ChaosStack, event: FaultEvent, cancel: () => Promise<void>, stores: ChaosStores | undefined): Promise<void> {
  switch (event.kind) {
    case 'kill-worker':
      return stack.killWorker(event.slot);
    case 'pause-worker':
      return stack.pauseWorker(event.slot, event.pauseMs);
    case 'restart-emulator':
      return stack.restartEmulator(event.downMs);
    case 'restart-temporal':
      return stack.restartTemporal(event.downMs);
    case 'restart-postgres':
      stack.note(`postgresql stopped, down for ${event.downMs} ms`);
      await stores?.restartPostgres(event.downMs);
      return stack.note('postgresql started again on its data');
    case 'restart-s3':
      stack.note(`versitygw stopped, down for ${event.downMs} ms`);
      await stores?.restartS3(event.downMs);
      return stack.note('versitygw started again on its data');
    case 'provider-fault':
      return stack.setScenario(PROVIDER_FAULTS[event.fault]);
    case 'clear-faults':
      return stack.setScenario(NO_FAULTS);
    case 'mangle':
      return stack.proxy.mangle({ method: 'GET', path: /^\/v1\/files\/[^/]+\/content$/, body: (text) => mangle(text, event.mangling, event.line) });
    case 'cancel-job':
      return cancel();
  }
}

/** Damages one line of a results file (the `line`-th, modulo their number); undefined leaves an empty file alone. */
export function mangle(text: string, mangling: Mangling, line: number): string | undefined {
  const lines = text.split('\n');
  const filled = lines.map((l, i) => (l.trim() ? i : -1)).filter((i) => i >= 0);
  if (!filled.length) return undefined;
  const at = filled[line % filled.length]!;
  const original = lines[at]!;
  if (mangling === 'malformed-line') lines[at] = original.slice(0, Math.floor(original.length / 2));
  else if (mangling === 'dropped-line') lines.splice(at, 1);
  else {
    const parsed = JSON.parse(original) as Record<string, unknown>;
    delete parsed.custom_id;
    lines[at] = JSON.stringify(parsed);
  }
  return lines.join('\n');
}
