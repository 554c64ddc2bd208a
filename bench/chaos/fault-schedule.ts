import { PROVIDER_FAULTS, type ProviderFaultName } from './provider-faults';
import { SeededRandom } from './seeded-random';

/** How a result file served through the proxy is damaged. */
export type Mangling = 'malformed-line' | 'missing-custom-id' | 'dropped-line';

/** One fault, applied at `atMs` after the schedule's jobs started. Workers are named by slot (0 or 1). */
export type FaultEvent =
  | { kind: 'kill-worker'; slot: number }
  | { kind: 'pause-worker'; slot: number; pauseMs: number }
  | { kind: 'restart-emulator'; downMs: number }
  | { kind: 'restart-temporal'; downMs: number }
  | { kind: 'restart-postgres'; downMs: number }
  | { kind: 'restart-s3'; downMs: number }
  | { kind: 'provider-fault'; fault: ProviderFaultName }
  | { kind: 'clear-faults' }
  | { kind: 'mangle'; mangling: Mangling; line: number }
  | { kind: 'cancel-job' };

export interface FaultSchedule {
  seed: string;
  events: Array<{ atMs: number } & FaultEvent>;
}

export interface ScheduleOptions {
  /** Jobs' heartbeat timeout: a pause lasts past it, so Temporal gives the paused worker's work away. */
  heartbeatSeconds: number;
  /** Restart the Temporal server at most once per schedule (a restart costs seconds). */
  temporalRestarts: boolean;
  /** Stores on PostgreSQL and S3 (versitygw), which the schedule restarts too. */
  storage?: boolean;
}

const KINDS = { 'kill-worker': 3, 'pause-worker': 2, 'restart-emulator': 1.5, 'restart-temporal': 1, 'provider-fault': 4, mangle: 2 } as const;
const STORAGE_KINDS = { ...KINDS, 'restart-postgres': 1.5, 'restart-s3': 1.5 } as const;

/**
 * The fault schedule of a seed: 4-7 faults at random points of the first 15 s after the jobs started, plus the cancel of the cancel
 * job. A pure function of the seed and options, so `--seed S --schedules 1` replays the same faults (their
 * timing against the jobs' progress may differ: the machine's load moves the jobs, not the schedule).
 */
export function faultSchedule(seed: string, options: ScheduleOptions): FaultSchedule {
  const random = new SeededRandom(seed);
  const events: FaultSchedule['events'] = [{ atMs: random.int(2_000, 8_000), kind: 'cancel-job' }];
  let temporalRestarted = false;
  const count = random.int(4, 7);
  for (let i = 0; i < count; i++) {
    const atMs = random.int(500, 15_000);
    let kind: keyof typeof STORAGE_KINDS = options.storage ? random.weighted(STORAGE_KINDS) : random.weighted(KINDS);
    if (kind === 'restart-temporal' && (temporalRestarted || !options.temporalRestarts)) kind = 'kill-worker';
    if (kind === 'kill-worker') events.push({ atMs, kind, slot: random.int(0, 1) });
    else if (kind === 'pause-worker') events.push({ atMs, kind, slot: random.int(0, 1), pauseMs: Math.round(options.heartbeatSeconds * 1000 * 2 + random.int(1_000, 3_000)) });
    else if (kind === 'restart-emulator' || kind === 'restart-postgres' || kind === 'restart-s3') events.push({ atMs, kind, downMs: random.int(200, 3_000) });
    else if (kind === 'restart-temporal') {
      temporalRestarted = true;
      events.push({ atMs, kind, downMs: random.int(500, 3_000) });
    } else if (kind === 'provider-fault') {
      events.push({ atMs, kind, fault: random.pick(Object.keys(PROVIDER_FAULTS) as ProviderFaultName[]) });
      events.push({ atMs: atMs + random.int(3_000, 8_000), kind: 'clear-faults' });
    } else events.push({ atMs, kind, mangling: random.pick(['malformed-line', 'missing-custom-id', 'dropped-line'] as const), line: random.int(0, 9) });
  }
  return { seed, events: events.sort((a, b) => a.atMs - b.atMs) };
}

/** One line per event, as a failing schedule prints it. */
export function formatSchedule(schedule: FaultSchedule): string {
  return schedule.events
    .map(({ atMs, ...event }) => `  ${(atMs / 1000).toFixed(1).padStart(5)} s  ${Object.entries(event).map(([k, v]) => (k === 'kind' ? String(v) : `${k}=${String(v)}`)).join(' ')}`)
    .join('\n');
}
