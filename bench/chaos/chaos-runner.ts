import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HEARTBEAT_SECONDS } from './chaos-jobs';
import { faultSchedule, formatSchedule } from './fault-schedule';
import { baselineOf } from './invariants';
import { runSchedule } from './run-schedule';
import { startChaosStores, type ChaosStores } from './chaos-stores';
import { startChaosTemporal } from './temporal-server';

export interface ChaosOptions {
  schedules: number;
  seed: string;
  /** Seconds each job has to end (default 240). */
  jobTimeoutSeconds?: number;
  /** Restart the Temporal server in schedules (default true). */
  temporalRestarts?: boolean;
  /** Results on PostgreSQL and blobs on S3 (versitygw), both restarted by schedules (default: SQLite and a directory). */
  storage?: boolean;
  /** Keep every schedule's directory (default: only failing ones). */
  keep?: boolean;
  /** A prebuilt workflow bundle for the workers (default: the build's dist/workflow-bundle.js). */
  workflowBundle?: string;
  /** Print what every schedule did, not only the failing ones. */
  verbose?: boolean;
  /** Where progress lines go (default console.log). */
  print?: (line: string) => void;
}

export interface ChaosSummary {
  schedules: number;
  violations: number;
  /** Seeds of the schedules that had violations. */
  failedSeeds: string[];
}

/**
 * The seed of schedule `i` of a run seeded `seed`: the run's seed itself for the first, so a failing schedule
 * is replayed with `--seed <its seed> --schedules 1`.
 */
export function scheduleSeed(seed: string, i: number): string {
  return i === 0 ? seed : `${seed}.${i}`;
}

/**
 * Runs `schedules` fault schedules on one Temporal dev server of its own (SQLite file, so it can be restarted),
 * after one fault-free run of the same jobs that gives the expected answers. Prints a line per schedule, and for
 * a failing one its seed, its faults, what the stack did and every violation.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  const print = options.print ?? ((line: string) => console.log(line));
  const root = mkdtempSync(path.join(os.tmpdir(), 'longhaul-chaos-'));
  const temporal = await startChaosTemporal(path.join(root, 'temporal'));
  let stores: ChaosStores | undefined;
  try {
    stores = options.storage ? await startChaosStores() : undefined;
  } catch (err) {
    await temporal.stop();
    throw err;
  }
  const common = { temporal, ...(stores ? { stores } : {}), jobTimeoutSeconds: options.jobTimeoutSeconds ?? 240, ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}), ...(options.keep ? { keep: true } : {}) };
  const summary: ChaosSummary = { schedules: 0, violations: 0, failedSeeds: [] };
  let kept = false;
  const flags = `${options.storage ? ' --storage' : ''}${options.temporalRestarts === false ? ' --no-temporal-restart' : ''}`;
  try {
    const reference = await runSchedule({ seed: `${options.seed}.baseline`, events: [] }, undefined, { ...common, dir: path.join(root, 'baseline'), keep: true });
    if (reference.violations.length) throw new Error(`the fault-free run failed: ${reference.violations.join('; ')}`);
    const baseline = baselineOf(reference.runs);
    if (!options.keep) rmSync(path.join(root, 'baseline'), { recursive: true, force: true });
    print(`fault-free run: ${reference.summary} (${reference.seconds} s)`);
    for (let i = 0; i < options.schedules; i++) {
      const seed = scheduleSeed(options.seed, i);
      const schedule = faultSchedule(seed, { heartbeatSeconds: HEARTBEAT_SECONDS, temporalRestarts: options.temporalRestarts ?? true, storage: options.storage ?? false });
      const dir = path.join(root, `schedule-${i}`);
      mkdirSync(dir, { recursive: true });
      const outcome = await runSchedule(schedule, baseline, { ...common, dir });
      summary.schedules++;
      summary.violations += outcome.violations.length;
      const faults = schedule.events.filter((e) => e.kind !== 'clear-faults').map((e) => (e.kind === 'provider-fault' ? e.fault : e.kind === 'mangle' ? e.mangling : e.kind));
      print(`schedule ${i + 1}/${options.schedules} seed ${seed}: ${outcome.violations.length} violations (${outcome.seconds} s; ${outcome.summary}; ${outcome.applied}/${schedule.events.length} events applied, ${outcome.mangled} files mangled; faults: ${faults.join(', ')})`);
      if (options.verbose && !outcome.violations.length) print(outcome.log.map((l) => `  ${l}`).join('\n'));
      if (outcome.violations.length) {
        kept = true;
        summary.failedSeeds.push(seed);
        print(`  FAILED schedule, replay with: npm run chaos -- --seed ${seed} --schedules 1${flags} (same faults in the same order; their timing against the jobs may differ)`);
        print(`  schedule:\n${formatSchedule(schedule)}`);
        print(`  what happened:\n${outcome.log.map((l) => `  ${l}`).join('\n')}`);
        print(`  violations:\n${outcome.violations.map((v) => `    - ${v}`).join('\n')}`);
        print(`  kept in ${dir} (workers.log: the workers' output)`);
      }
    }
  } finally {
    await stores?.stop();
    await temporal.stop();
    if (!kept && !options.keep) rmSync(root, { recursive: true, force: true });
  }
  print(`${summary.schedules} schedules, ${summary.violations} invariant violations`);
  return summary;
}
