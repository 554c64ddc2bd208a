import type { ParseArgsConfig } from 'node:util';

export type CliOptions = NonNullable<ParseArgsConfig['options']>;

/** What a command receives: parsed flags and positionals, and where to write. */
export interface CliContext {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /**
   * Resolves when the user asks to stop (Ctrl-C / SIGTERM), for commands that declare `handlesInterruption`;
   * any other command is ended at once with exit code 130.
   */
  interrupted: Promise<void>;
}

/** One `longhaul <name>` command. `run` resolves to the process exit code. */
export interface CliCommand {
  name: string;
  summary: string;
  /** Usage line(s) after `longhaul <name>`, e.g. `SPEC [--watch]`. */
  usage: string;
  /** Longer help: one line per flag. */
  help: string;
  options: CliOptions;
  /** Whether positionals are accepted. */
  allowPositionals?: boolean;
  /**
   * Whether this invocation stops cleanly on its own when `ctx.interrupted` resolves (a server, a worker, a
   * progress view), given its flags. Default false: SIGINT / SIGTERM end the process at once with exit 130.
   */
  handlesInterruption?: boolean | ((values: CliContext['values']) => boolean);
  run(ctx: CliContext): Promise<number>;
}

/** A failure the user can act on: printed as one line, no stack, with this exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
