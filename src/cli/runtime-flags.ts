import type { LogLevel } from '@temporalio/common';
import { LOG_FORMATS, LOG_LEVELS, type LogFormat } from '../observability/log-settings';
import type { CliContext, CliOptions } from './cli-command';
import { choiceFlag, portFlag } from './cli-flags';

/** Flags of the commands that run a worker (`worker`, `dev`): logs and metrics. */
export const RUNTIME_OPTIONS: CliOptions = {
  'metrics-port': { type: 'string' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
};

export function runtimeHelp(defaultLevel: LogLevel): string {
  return [
    '  --metrics-port N      serve Prometheus metrics (SDK runtime + longhaul_*) on :N/metrics (default: LONGHAUL_METRICS_PORT; off)',
    `  --log-level L         ${LOG_LEVELS.join(', ')} (default ${defaultLevel})`,
    '  --log-format F        text or json (one JSON object per line on stderr; default text)',
  ].join('\n');
}

export interface RuntimeFlags {
  metricsPort?: number;
  logLevel?: LogLevel;
  logFormat?: LogFormat;
}

/** The parsed runtime flags; absent ones stay absent so defaults apply downstream. */
export function runtimeFlags(values: CliContext['values']): RuntimeFlags {
  const metricsPort = portFlag(values['metrics-port'], 'metrics-port');
  const logLevel = choiceFlag(values['log-level'], 'log-level', LOG_LEVELS);
  const logFormat = choiceFlag(values['log-format'], 'log-format', LOG_FORMATS);
  return { ...(metricsPort !== undefined ? { metricsPort } : {}), ...(logLevel ? { logLevel } : {}), ...(logFormat ? { logFormat } : {}) };
}
