import type { CliCommand } from '../cli-command';
import { demoCommand } from './demo';
import { devCommand } from './dev';
import { emulatorCommand } from './emulator';
import { workerCommand } from './worker';

/**
 * Every `longhaul` command, in the order `longhaul help` lists them. Each lives in its own file here and
 * is built on the public client (src/client), the emulator and the dev stack, like any user's code.
 */
export function allCommands(): CliCommand[] {
  return [
    demoCommand,
    devCommand,
    workerCommand,
    emulatorCommand,
  ];
}
