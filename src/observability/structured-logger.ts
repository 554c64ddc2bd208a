import { DefaultLogger, type LogEntry, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { LogFormat } from './log-settings';

export type { LogFormat } from './log-settings';

/**
 * Metadata keys never written: activity task tokens (the SDK adds them to its activity logs at DEBUG; a token
 * lets anyone holding it complete the activity) and anything named like a credential.
 */
const DROPPED_KEYS = /^(taskToken|base64TaskToken)$/;
const SECRET_KEYS = /(api[_-]?key|authorization|secret|password)/i;

/** The metadata without task tokens, credentials redacted. */
export function scrubMeta(meta: LogMetadata | undefined): LogMetadata | undefined {
  if (!meta) return meta;
  const out: LogMetadata = {};
  for (const [key, value] of Object.entries(meta)) {
    if (DROPPED_KEYS.test(key)) continue;
    out[key] = SECRET_KEYS.test(key) ? '[redacted]' : value;
  }
  return out;
}

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

/** The SDK's DefaultLogger, minus task tokens and credentials in any entry's metadata. */
class ScrubbingLogger extends DefaultLogger {
  override log(level: LogLevel, message: string, meta?: LogMetadata): void {
    // the SDK's timestamp travels as a symbol key, which Object.entries skips: keep it
    const scrubbed = scrubMeta(meta);
    if (meta && scrubbed) for (const sym of Object.getOwnPropertySymbols(meta)) (scrubbed as Record<symbol, unknown>)[sym] = (meta as Record<symbol, unknown>)[sym];
    super.log(level, message, scrubbed);
  }
}

/**
 * The SDK's DefaultLogger at `level`, writing text lines (the SDK's own format) or JSON lines to `write`
 * (default: stderr). Workflow, activity and (forwarded) core logs all go through it; task tokens are dropped.
 */
export function createLogger(level: LogLevel, format: LogFormat, write: (line: string) => void = (line) => process.stderr.write(line)): DefaultLogger {
  if (format === 'text') return new ScrubbingLogger(level);
  return new ScrubbingLogger(level, (entry) => write(jsonLogLine(entry)));
}
