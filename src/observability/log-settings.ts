import type { LogLevel } from '@temporalio/common';

/** How worker logs are written to stderr: the SDK's readable lines, or one JSON object per line. */
export type LogFormat = 'text' | 'json';

/** Kept apart from the logger so the CLI can parse flags without loading the worker SDK. */
export const LOG_LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];
