import type { CliCommand } from '../cli-command';
import { cancelCommand } from './cancel';
import { codecServerCommand } from './codec-server';
import { demoCommand } from './demo';
import { devCommand } from './dev';
import { gcCommand } from './gc';
import { emulatorCommand } from './emulator';
import { pauseCommand } from './pause';
import { planCommand } from './plan';
import { reportCommand } from './report';
import { reprocessCommand } from './reprocess';
import { resultsCommand } from './results';
import { resumeCommand } from './resume';
import { runCommand } from './run';
import { statusCommand } from './status';
import { watchCommand } from './watch';
import { webhooksCommand } from './webhooks';
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
    webhooksCommand,
    codecServerCommand,
    planCommand,
    runCommand,
    statusCommand,
    watchCommand,
    pauseCommand,
    resumeCommand,
    cancelCommand,
    reprocessCommand,
    resultsCommand,
    reportCommand,
    gcCommand,
  ];
}
