import { startPostgresServer, type PostgresServer } from '../../src/dev/postgres-server';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectExactlyOnce, expectOneOutcomePerItem } from '../support/job-assertions';
import { waitFor } from '../support/worker-process';
import { retriedFailureTypes } from './retried-failures';

const ITEMS = 300;
const PER_SHARD = 50;

jest.setTimeout(240_000);

/**
 * The PostgreSQL server holding a job's outcomes stops (fast shutdown: every connection dropped) and starts
 * again on its data while the job's collects are writing. The writes that meet the server down fail as
 * retryable StorageTransient failures, Temporal retries them, the pool opens new connections, and the job ends
 * with one outcome per item and no batch submitted twice. A server of this suite's own: the run's shared one is
 * never restarted.
 */
describe('a PostgreSQL restart mid-collect', () => {
  let postgres: PostgresServer | undefined;
  let stack: TestStack | undefined;
  afterAll(async () => {
    await stack?.stop();
    await postgres?.stop();
  });

  it('the job completes with one outcome per item', async () => {
    postgres = await startPostgresServer();
    const url = await postgres.createDatabase('restart_results');
    stack = await startTestStack({ env: { LONGHAUL_RESULT_STORE: url }, scenario: { clock: { speed: 2000 } } });
    // every download waits 2 s: collects are under way, and their writes come while the server is down
    stack.emulator.setScenario({ endpointFaults: [{ method: 'GET', path: '/v1/files/*/content', action: 'delay', delayMs: 2_000 }] });
    const job = await stack.client.start({
      jobId: 'pg-restart',
      dataset: { path: writeTicketsJsonl(stack.dir, ITEMS), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: PER_SHARD, shardsInFlight: 6 },
      polling: { initialSeconds: 0.3, maxSeconds: 1 },
      timeouts: { heartbeatSeconds: 5, requestSeconds: 10 },
    });
    const emulatorLog = stack.emulatorLog;
    await waitFor('a collect downloading', () => emulatorLog.some((l) => l.startsWith('fault delay GET /v1/files/')), 90_000);
    const { dir, port } = postgres;
    await postgres.stop({ keepData: true });
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    postgres = await startPostgresServer({ dir, port });

    const report = await job.result();
    const lines = expectOneOutcomePerItem(report, ITEMS);
    expect(lines.every((l) => l.state === 'succeeded')).toBe(true);
    expectExactlyOnce(stack.emulator, 'pg-restart');
    // the restart was met, and retried as a transient storage failure
    expect(await retriedFailureTypes(stack, 'pg-restart', ITEMS / PER_SHARD)).toContain('StorageTransient');
  });
});
