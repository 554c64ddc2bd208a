import { ApplicationFailure, CancellationScope, condition, log, setHandler } from '@temporalio/workflow';
import { cancelJobSignal, cancelShardSignal, pauseJobSignal, progressQuery, reprocessUpdate, resumeJobSignal, shardOverdueSignal } from '../definitions';
import type { JobTracker } from './job-tracker';

/**
 * The job's controls: the progress query, pause / resume / cancel signals, a Temporal-level cancel taken as the
 * cancel signal, shards telling of an overdue batch, and the reprocess update (answered once the run that took it
 * has begun its generation, or refused). A cancel reaches the running shards, which cancel their batches and
 * collect what finished.
 */
export function installJobHandlers(jobId: string, tracker: JobTracker): void {
  setHandler(progressQuery, () => tracker.progress());
  setHandler(pauseJobSignal, () => {
    log.info('job paused', { jobId });
    tracker.setPaused(true);
  });
  setHandler(resumeJobSignal, () => {
    log.info('job resumed', { jobId });
    tracker.setPaused(false);
  });
  setHandler(cancelJobSignal, (request) => {
    log.info('job cancel requested', { jobId, reason: request?.reason });
    tracker.requestCancel(request?.reason);
  });
  setHandler(shardOverdueSignal, ({ workflowId }) => tracker.shardOverdue(workflowId));
  // a Temporal-level cancel (UI, `temporal workflow cancel`) starts as the cancel signal does: shards cancel their
  // batches and collect; the run then finalizes and ends cancelled
  CancellationScope.current().cancelRequested.catch(() => tracker.requestCancel('workflow cancelled'));
  const { reprocess } = tracker;
  setHandler(
    reprocessUpdate,
    async (request) => {
      reprocess.request = request;
      log.info('job reprocess requested', { jobId, selection: request.selection });
      reprocess.accepting = false;
      await condition(() => reprocess.result !== undefined || reprocess.refused !== undefined);
      if (reprocess.refused !== undefined) throw ApplicationFailure.nonRetryable(reprocess.refused.message, reprocess.refused.type);
      return reprocess.result!;
    },
    {
      validator: (request) => {
        if (!reprocess.accepting) throw new Error(`job ${jobId} is ${tracker.status}; reprocess it once it has ended (or cancel it first)`);
        if (request.selection !== 'failed' && request.selection !== 'all') throw new Error('selection must be "failed" or "all"');
      },
    },
  );
  // not cancellable itself: under a Temporal-level cancel it must still run, and never reject unhandled
  void CancellationScope.nonCancellable(async () => {
    await condition(() => tracker.cancelRequested);
    await Promise.all(tracker.runningHandles().map((c) => c.signal(cancelShardSignal).catch(() => undefined)));
  });
}
