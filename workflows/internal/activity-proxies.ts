import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { LonghaulActivities } from '../../activities';
import { PERMANENT_FAILURES } from '../../src/contracts/failure-types';
import type { ResolvedJobSpec } from '../../src/spec/job-spec';

type Timeouts = ResolvedJobSpec['timeouts'];

const DEFAULT_TIMEOUTS: Timeouts = { heartbeatSeconds: 60, requestSeconds: 120 };

/**
 * Activity options in one place. Long steps heartbeat (a dead worker is noticed within heartbeatSeconds and
 * the step moves to another worker); provider calls are bounded by requestSeconds. Temporal owns retries.
 */
export function jobSteps(timeouts: Timeouts = DEFAULT_TIMEOUTS) {
  return proxyActivities<LonghaulActivities>({
    startToCloseTimeout: '6 hours',
    heartbeatTimeout: `${timeouts.heartbeatSeconds} seconds`,
    // a step cancelled with its job (prepare) has stopped writing before the job finalizes
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: [...PERMANENT_FAILURES] },
  });
}

export function shardSteps(timeouts: Timeouts = DEFAULT_TIMEOUTS) {
  const heartbeatTimeout = `${timeouts.heartbeatSeconds} seconds`;
  return {
    /** Submits until it works or is refused: quota and rate-limit failures carry their own retry delay. */
    submit: proxyActivities<LonghaulActivities>({
      startToCloseTimeout: '1 hour',
      heartbeatTimeout,
      scheduleToCloseTimeout: '24 hours',
      retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', nonRetryableErrorTypes: [...PERMANENT_FAILURES] },
    }),
    /** Status and cancel calls; a batch that stays unreachable for an hour is given up (its items retry). */
    poll: proxyActivities<LonghaulActivities>({
      startToCloseTimeout: `${timeouts.requestSeconds} seconds`,
      scheduleToCloseTimeout: '1 hour',
      retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
    }),
    /** One shard sent synchronously: long, heartbeating, resumable; waits for its cancellation to finish. */
    sync: proxyActivities<LonghaulActivities>({
      startToCloseTimeout: '24 hours',
      heartbeatTimeout,
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 20, nonRetryableErrorTypes: [...PERMANENT_FAILURES] },
    }),
    /** Given up after a job's cancel only if it does not finish (workflows/shard.ts); waits for a running attempt to stop. */
    collect: proxyActivities<LonghaulActivities>({
      startToCloseTimeout: '2 hours',
      heartbeatTimeout,
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 50 },
    }),
  };
}
