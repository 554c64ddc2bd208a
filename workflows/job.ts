import { CancellationScope, condition, continueAsNew, isCancellation, setCurrentDetails } from '@temporalio/workflow';
import type { Generation } from '../activities';
import type { JobReport, PhaseTimings } from '../src/report/job-report';
import type { ResolvedJobSpec } from '../src/spec/job-spec';
import { installJobHandlers } from './internal/job-handlers';
import { finalizeGeneration } from './internal/job-finalize';
import { beginGeneration, opened, prepareGeneration, storedReport, type OpenGeneration } from './internal/job-generation';
import { runRounds, type RoundPoint } from './internal/job-rounds';
import { jobDetailsText } from './internal/job-details';
import { JobTracker } from './internal/job-tracker';

export interface JobInput {
  /** A new job: its spec enters here once (capped, src/spec/spec-size.ts); shards and steps get references. */
  spec?: ResolvedJobSpec;
  /** Reprocess this finished job: the run waits for the reprocess update that started it. */
  reprocessOf?: string;
  /** Carried across continue-as-new. */
  carry?: { generation: Generation; at: RoundPoint; tracker: ReturnType<JobTracker['snapshot']>; timings: PhaseTimings };
}

/**
 * A batch job: prepare shards from the dataset, run them as child workflows within a bounded window and an
 * enqueued-token budget, retry what failed retryably in rounds of smaller shards, then finalize so that
 * every item has exactly one outcome. Carries references and counts only, never rows.
 * Controls: cancel / pause / resume signals, a progress query, a reprocess update (finished jobs).
 * Its steps are in workflows/internal/job-*.ts; the tracker is the one state they share.
 */
export async function batchJobWorkflow(input: JobInput): Promise<JobReport> {
  const carried = input.carry ? opened(input.carry.generation) : undefined;
  const jobId = input.spec?.jobId ?? input.reprocessOf ?? carried?.settings.jobId ?? '';
  // the UI's job page shows these details (not recorded in history: no command, replays as before)
  const tracker = new JobTracker(jobId, input.carry?.tracker, (t) => setCurrentDetails(jobDetailsText(t.progress())), {
    ...(input.carry ? { timings: input.carry.timings } : {}),
    acceptsReprocess: !!input.reprocessOf,
  });
  setCurrentDetails(jobDetailsText(tracker.progress()));
  installJobHandlers(jobId, tracker);

  let generation: OpenGeneration | undefined = carried;
  try {
    let at: RoundPoint;
    if (input.carry && generation) {
      at = input.carry.at;
    } else {
      generation = await beginGeneration(jobId, tracker, input.spec);
      // a reprocess refused before it began (its dataset changed, its changes are invalid): the job stays as its
      // last generation left it
      if (!generation) return await storedReport(jobId);
      at = await prepareGeneration(tracker, generation);
    }
    const end = await runRounds(tracker, generation, at);
    if ('resumeAt' in end) {
      await condition(() => tracker.runningShards === 0);
      return await continueAsNew<typeof batchJobWorkflow>({ carry: { generation, at: end.resumeAt, tracker: tracker.snapshot(), timings: tracker.timings } });
    }
    return await finalizeGeneration(tracker, generation.settings, generation.generation, end.done.shardsSoFar, end.done.round);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // cancelled through Temporal (UI, CLI): clean up like a cancel signal, then end as cancelled
    tracker.requestCancel('workflow cancelled');
    const gen = generation;
    await CancellationScope.nonCancellable(async () => {
      await condition(() => tracker.runningShards === 0);
      if (gen) await finalizeGeneration(tracker, gen.settings, gen.generation, tracker.shardsTotal, tracker.round);
    });
    throw err;
  }
}
