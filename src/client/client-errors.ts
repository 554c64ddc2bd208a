/** A job id that is already taken by another job (start a new id, or reprocess the existing job). */
export class JobAlreadyExistsError extends Error {
  override readonly name = 'JobAlreadyExistsError';
  constructor(readonly jobId: string) {
    super(`job "${jobId}" already exists: choose another job id, or reprocess it`);
  }
}

/** No job with this id is known to Temporal. */
export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  constructor(readonly jobId: string) {
    super(`no job "${jobId}"`);
  }
}

/** The Temporal server could not be reached. */
export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachableError';
  constructor(
    readonly address: string,
    cause: unknown,
  ) {
    super(`cannot reach the Temporal server at ${address}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * The job refused a reprocess (for example while it is still running), or the run started for it failed
 * (for example the worker found the changes invalid); the message says why. `badInput` is true when the
 * cause is the request itself (an invalid spec change, a dataset that is gone), not the job or the server.
 */
export class ReprocessRejectedError extends Error {
  override readonly name = 'ReprocessRejectedError';
  constructor(
    readonly jobId: string,
    reason: string,
    readonly badInput = false,
  ) {
    super(`cannot reprocess job "${jobId}": ${reason}`);
  }
}
