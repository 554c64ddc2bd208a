/**
 * Whether a store error is one that passes: the database or object store restarted, was briefly unreachable,
 * or asked to slow down. The one owner of this rule; activities/failures.ts turns such an error into a
 * retryable `StorageTransient` failure (Temporal retries the activity; pg's pool opens new connections, the
 * S3 client new sockets). Anything else is left to the other rules.
 */
export function isTransientStorageError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (NETWORK_CODES.has(code)) return true;
  // PostgreSQL SQLSTATE classes 08 (connection exception), 53 (insufficient resources), 57P01-57P03 (shutdown,
  // crash, cannot connect now), 40001/40P01 (serialization failure, deadlock: the transaction may simply rerun)
  if (/^(08...|53...|57P0[123]|40001|40P01)$/.test(code)) return true;
  // node-postgres' own words when the socket closes under a query or the pool cannot connect in time
  if (/Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message)) return true;
  // S3: throttling and server errors the SDK's own retries did not outlast, and sockets that dropped
  if (/^(SlowDown|Throttling|ThrottlingException|RequestTimeout|RequestTimeTooSkewed|InternalError|ServiceUnavailable|TimeoutError)$/.test(name)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return /socket hang up|ECONNRESET|ECONNREFUSED|EPIPE/.test(message);
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * A transient storage error in one line: its message (else its code or name), with the HTTP status and S3 error
 * code when an object store answered; the AWS SDK can only call a HEAD answer's error "UnknownError" (no body).
 */
export function describeStorageError(err: unknown): string {
  const e = (err ?? {}) as { code?: unknown; name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  const named = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
  const text = named(e.message) ?? named(e.code) ?? named(e.name) ?? 'unknown error';
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined) return text;
  const code = named(e.name) && e.name !== 'Unknown' && e.name !== text ? ` ${String(e.name)}` : '';
  return `${text} (HTTP ${status}${code})`;
}
