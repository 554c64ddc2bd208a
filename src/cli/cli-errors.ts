import { ServiceError, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { JobAlreadyExistsError, JobNotFoundError, ReprocessRejectedError, TemporalUnreachableError } from '../client/client-errors';
import { DatasetNotFoundError } from '../dataset/dataset-reader';
import { MissingFieldError } from '../dataset/prompt-template';
import { UnknownBuilderError } from '../dataset/request-renderer';
import { InvalidSpecError } from '../spec/spec-errors';
import { CliError } from './cli-command';

/**
 * Exit codes of every command (documented in the README and `longhaul help`):
 *   0 success; 1 the operation failed (a job ended failed, a Temporal call was refused, anything unexpected);
 *   2 bad input (flag, spec, file); 3 no such job; 4 the Temporal server cannot be reached; 130 interrupted.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3, unreachable: 4, interrupted: 130 } as const;

const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;
const FILE_ERRORS = new Set(['ENOENT', 'EACCES', 'EISDIR', 'ENOTDIR', 'EEXIST', 'EROFS']);

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function causeOf(err: Error): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message ? `: ${cause.message}` : '';
}

/**
 * Maps anything a command throws to one line and an exit code: the one place that knows the client's,
 * the spec's and Temporal's error types. Unknown errors keep their message (the stack only with LONGHAUL_DEBUG).
 */
export function describeError(err: unknown): { message: string; exitCode: number } {
  const line = (message: string, exitCode: number) => ({ message: oneLine(message), exitCode });
  if (err instanceof CliError) return line(err.message, err.exitCode);
  if (err instanceof InvalidSpecError || err instanceof JobAlreadyExistsError) return line(err.message, EXIT.usage);
  if (err instanceof DatasetNotFoundError || err instanceof MissingFieldError || err instanceof UnknownBuilderError) return line(err.message, EXIT.usage);
  if (err instanceof JobNotFoundError) return line(`${err.message} (list jobs with: longhaul status)`, EXIT.notFound);
  if (err instanceof TemporalUnreachableError) {
    return line(`${err.message} (start one with \`longhaul dev\`, or pass --address / set TEMPORAL_ADDRESS)`, EXIT.unreachable);
  }
  if (err instanceof ServiceError) {
    const code = (err.cause as { code?: number } | undefined)?.code;
    const unreachable = code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED;
    return line(`Temporal: ${err.message}${causeOf(err)}`, unreachable ? EXIT.unreachable : EXIT.failed);
  }
  if (err instanceof ReprocessRejectedError) return line(err.message, err.badInput ? EXIT.usage : EXIT.failed);
  if (err instanceof WorkflowUpdateFailedError) return line(`refused${causeOf(err)}`, EXIT.failed);
  if (err instanceof WorkflowFailedError) return line(`the job's workflow failed${causeOf(err)}`, EXIT.failed);
  const code = (err as { code?: unknown } | null)?.code;
  // node's parseArgs adds a hint about `--` that reads as noise here
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) return line((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''), EXIT.usage);
  if (typeof code === 'string' && FILE_ERRORS.has(code)) return line((err as Error).message, EXIT.usage);
  return line(err instanceof Error ? err.message || err.name : String(err), EXIT.failed);
}
