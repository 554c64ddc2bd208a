import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import type { LogFormat } from './log-settings';

export type { LogFormat } from './log-settings';

/** JSON.stringify that survives what log metadata carries: bigints, errors, cycles. */
function safeJson(value: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Error) return { name: v.name, message: v.message, ...(v.stack ? { stack: v.stack } : {}) };
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '[circular]';
      seen.add(v);
    }
    return v;
  });
}

/** One log entry as a JSON line: `{"time","level","message",...metadata}`; metadata never overrides the first three. */
export function jsonLogLine(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  return safeJson({ ...(entry.meta ?? {}), time, level: entry.level.toLowerCase(), message: entry.message }) + '\n';
}

/**
 * The SDK's DefaultLogger at `level`, writing text lines (the SDK's own format) or JSON lines to `write`
 * (default: stderr). Workflow, activity and (forwarded) core logs all go through it.
 */
export function createLogger(level: LogLevel, format: LogFormat, write: (line: string) => void = (line) => process.stderr.write(line)): DefaultLogger {
  if (format === 'text') return new DefaultLogger(level);
  return new DefaultLogger(level, (entry) => write(jsonLogLine(entry)));
}
