import { LogTimestamp } from '@temporalio/worker';
import { createLogger } from '../../src/observability/structured-logger';

describe('worker log lines', () => {
  it('never write activity task tokens, even at DEBUG, and redact credentials', () => {
    const lines: string[] = [];
    const logger = createLogger('DEBUG', 'json', (line) => lines.push(line));
    logger.debug('Activity started', { taskToken: 'CiQ0ZjE=', activityType: 'collectShard', apiKey: 'sk-secret', [LogTimestamp]: 1_764_000_000_000_000_000n });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('CiQ0ZjE=');
    expect(lines[0]).not.toContain('sk-secret');
    expect(JSON.parse(lines[0]!)).toEqual({ time: '2025-11-24T16:00:00.000Z', level: 'debug', message: 'Activity started', activityType: 'collectShard', apiKey: '[redacted]' });
  });
});
