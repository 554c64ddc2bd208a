import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LonghaulClient } from '../../src/client/longhaul-client';
import type { StartSpec } from '../../src/client/start-spec';
import type { JobReport } from '../../src/report/job-report';
import type { ResultLine } from '../../src/results/result-line';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../../test/support/datasets';

export type JobKind = 'batch' | 'flex' | 'realtime' | 'reprocess' | 'cancel';

/** The jobs of every schedule: a size and what differs from a plain batch job. */
export const JOBS: Record<JobKind, { items: number; spec: Partial<StartSpec> }> = {
  batch: { items: 60, spec: {} },
  flex: { items: 20, spec: { mode: 'flex' } },
  realtime: { items: 30, spec: { mode: 'realtime', realtime: { requestsPerMinute: 60_000, concurrency: 2, chunkSize: 10 } } },
  // run to its end, then all of it again with another system prompt (a new generation)
  reprocess: { items: 40, spec: {} },
  cancel: { items: 60, spec: { limits: { maxRequestsPerShard: 15, shardsInFlight: 1 } } },
};

export const HEARTBEAT_SECONDS = 3;

/** What a job of the schedule came to: its last report, or why there is none. */
export interface JobRun {
  kind: JobKind;
  jobId: string;
  items: number;
  report?: JobReport;
  /** The results of the last report, read back from the blob store. */
  lines?: ResultLine[];
  error?: string;
}

function spec(kind: JobKind, jobId: string, dir: string): StartSpec {
  const { items, spec: over } = JOBS[kind];
  return {
    jobId,
    dataset: { path: writeTicketsJsonl(path.join(dir, 'datasets'), items, `${kind}.jsonl`), idField: 'id' },
    model: 'gpt-4o-mini',
    // a system prompt per kind: no job is answered from another's cached answers (answers follow the user text)
    prompt: { messages: [{ role: 'system', content: `Classify the support ticket (${kind}). Answer in the required JSON format.` }, TICKET_PROMPT.messages[1]!] },
    outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
    limits: { maxRequestsPerShard: 20, shardsInFlight: 2 },
    polling: { initialSeconds: 0.2, maxSeconds: 1 },
    timeouts: { heartbeatSeconds: HEARTBEAT_SECONDS, requestSeconds: 5 },
    ...over,
  };
}

/** Retries a call while the Temporal server is away (restarting), until `deadline`. */
async function persist<T>(what: string, call: () => Promise<T>, deadline: number): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      const name = (err as Error).name;
      // a job that failed, or a refused reprocess, is an answer: only unreachable servers are retried
      if (name === 'WorkflowFailedError' || name === 'ReprocessRejectedError' || Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await sleep(500);
    }
  }
}

/**
 * Starts every job of a schedule (ids `<prefix>-<kind>`) and returns a promise per job for its final report.
 * `cancel()` cancels the cancel job. Each job has `timeoutMs` to end; a job that does not is reported with an
 * error (a violation: a job must always end).
 */
export async function startJobs(client: LonghaulClient, dir: string, prefix: string, timeoutMs: number): Promise<{ runs: Promise<JobRun[]>; cancel(): Promise<void> }> {
  const deadline = Date.now() + timeoutMs;
  const kinds = Object.keys(JOBS) as JobKind[];
  const handles = await Promise.all(kinds.map((kind) => client.start(spec(kind, `${prefix}-${kind}`, dir))));
  const finish = async (kind: JobKind, index: number): Promise<JobRun> => {
    const handle = handles[index]!;
    const run: JobRun = { kind, jobId: handle.jobId, items: JOBS[kind].items };
    const result = () => persist(`${kind} result`, () => handle.result(), deadline);
    try {
      run.report = await withDeadline(result(), deadline, `${kind} job did not end within ${timeoutMs / 1000} s`);
      if (kind === 'reprocess') {
        const changes = { prompt: { messages: [{ role: 'system' as const, content: 'Triage the ticket. Answer in the required JSON format.' }, TICKET_PROMPT.messages[1]!] } };
        await persist('reprocess', () => handle.reprocess({ all: true, changes }), deadline);
        run.report = await withDeadline(result(), deadline, `reprocessed job did not end within ${timeoutMs / 1000} s`);
      }
      run.lines = await persist(`${kind} results`, async () => {
        const lines: ResultLine[] = [];
        for await (const line of client.job(handle.jobId).results()) lines.push(line);
        return lines;
      }, deadline);
    } catch (err) {
      run.error = (err as Error).message;
    }
    return run;
  };
  return {
    runs: Promise.all(kinds.map(finish)),
    cancel: () => persist('cancel', () => handles[kinds.indexOf('cancel')]!.cancel('chaos schedule'), deadline),
  };
}

async function withDeadline<T>(promise: Promise<T>, deadline: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
