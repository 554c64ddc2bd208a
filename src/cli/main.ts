import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../dev/project-root';
import type { CliCommand, CliContext } from './cli-command';
import { describeError, EXIT } from './cli-errors';
import { allCommands, commandNamed } from './commands';

function usageOf(command: CliCommand): string {
  return `longhaul ${command.name} ${command.usage}`.trimEnd();
}

function overview(commands: CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4);
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: longhaul <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `longhaul <command> --help` for its options; `longhaul --version` prints the version.',
    `Exit codes: ${EXIT.ok} ok, ${EXIT.failed} failed, ${EXIT.usage} bad input, ${EXIT.notFound} no such job, ${EXIT.unreachable} Temporal unreachable, ${EXIT.interrupted} interrupted.`,
  ].join('\n');
}

function commandHelp(command: CliCommand): string {
  return [`Usage: ${usageOf(command)}`, '', command.summary, '', command.help].join('\n').trimEnd();
}

/**
 * SIGINT / SIGTERM. Listening for them removes Node's default exit, so a command that does not stop on
 * `ctx.interrupted` itself is ended here, at once, with exit code 130 (and one line saying so); a command that
 * does gets the promise resolved and ends in its own time.
 */
function interruption(command: CliCommand, values: CliContext['values']): Promise<void> {
  const handled = typeof command.handlesInterruption === 'function' ? command.handlesInterruption(values) : Boolean(command.handlesInterruption);
  return new Promise((resolve) => {
    const stop = () => {
      if (handled) return resolve();
      console.error(`longhaul ${command.name}: interrupted`);
      process.exit(EXIT.interrupted);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** The version in the longhaul package's own package.json (found from sources and from dist/ alike). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** `longhaul results JOB | head`: a reader that goes away early is not an error; other output errors are one line. */
function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    console.error(`longhaul: cannot write output: ${err.message}`);
    process.exit(EXIT.failed);
  });
}

/** Runs one CLI invocation and exits the process with its code. Errors print one line, never a stack. */
export async function main(argv: string[]): Promise<void> {
  // the AWS SDK's multi-line notice about future Node versions is not this command's output (errors are one line)
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  exitQuietlyOnClosedPipe();
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v' || name === 'version') {
    console.log(packageVersion());
    return process.exit(0);
  }
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const target = rest[0] === undefined ? undefined : commandNamed(rest[0]);
    console.log(target ? commandHelp(target) : overview(allCommands()));
    return process.exit(0);
  }
  // only the command run is loaded (its module and what it imports)
  const command = commandNamed(name);
  if (!command) {
    console.error(`longhaul: unknown command "${name}"\n\n${overview(allCommands())}`);
    return process.exit(2);
  }
  let code: number;
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(commandHelp(command));
      return process.exit(0);
    }
    const { values, positionals } = parseArgs({
      args: rest,
      options: command.options,
      allowPositionals: command.allowPositionals ?? false,
      strict: true,
    });
    code = await command.run({ values, positionals, stdout: process.stdout, stderr: process.stderr, interrupted: interruption(command, values) });
  } catch (err) {
    code = reportError(err, command);
  }
  process.exit(code);
}

function reportError(err: unknown, command: CliCommand): number {
  if ((err as { code?: unknown } | null)?.code === 'EPIPE') return EXIT.ok;
  if (process.env.LONGHAUL_DEBUG) console.error(err);
  const { message, exitCode } = describeError(err);
  const usage = exitCode === EXIT.usage && (err as { code?: unknown } | null)?.code?.toString().startsWith('ERR_PARSE_ARGS');
  console.error(`longhaul ${command.name}: ${message}${usage ? ` (see: longhaul ${command.name} --help)` : ''}`);
  return exitCode;
}
