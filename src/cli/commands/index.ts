/* eslint-disable @typescript-eslint/no-require-imports -- each command's module is required when it is asked for */
import type { CliCommand } from '../cli-command';

/**
 * Every `longhaul` command, in the order `longhaul help` lists them, each loaded only when asked for: a process
 * holds the code of the command it runs and no other (a worker never loads the YAML parser `run` reads specs
 * with, ~8 MB of its resident memory). Each lives in its own file here and is built on the public client
 * (src/client), the emulator and the dev stack, like any user's code.
 */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => CliCommand]> = [
  ['demo', () => (require('./demo') as typeof import('./demo')).demoCommand],
  ['dev', () => (require('./dev') as typeof import('./dev')).devCommand],
  ['worker', () => (require('./worker') as typeof import('./worker')).workerCommand],
  ['emulator', () => (require('./emulator') as typeof import('./emulator')).emulatorCommand],
  ['webhooks', () => (require('./webhooks') as typeof import('./webhooks')).webhooksCommand],
  ['codec-server', () => (require('./codec-server') as typeof import('./codec-server')).codecServerCommand],
  ['plan', () => (require('./plan') as typeof import('./plan')).planCommand],
  ['run', () => (require('./run') as typeof import('./run')).runCommand],
  ['status', () => (require('./status') as typeof import('./status')).statusCommand],
  ['watch', () => (require('./watch') as typeof import('./watch')).watchCommand],
  ['pause', () => (require('./pause') as typeof import('./pause')).pauseCommand],
  ['resume', () => (require('./resume') as typeof import('./resume')).resumeCommand],
  ['cancel', () => (require('./cancel') as typeof import('./cancel')).cancelCommand],
  ['reprocess', () => (require('./reprocess') as typeof import('./reprocess')).reprocessCommand],
  ['results', () => (require('./results') as typeof import('./results')).resultsCommand],
  ['report', () => (require('./report') as typeof import('./report')).reportCommand],
  ['gc', () => (require('./gc') as typeof import('./gc')).gcCommand],
];

/** The command of that name, loaded; undefined when there is none. */
export function commandNamed(name: string): CliCommand | undefined {
  return COMMANDS.find(([named]) => named === name)?.[1]();
}

/** Every command, loaded (for the overview and the tests). */
export function allCommands(): CliCommand[] {
  return COMMANDS.map(([, load]) => load());
}
