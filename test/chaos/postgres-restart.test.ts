import { startPostgresServer, type PostgresServer } from '../../src/dev/postgres-server';
import type { Scenario } from '../../src/emulator';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectExactlyOnce, expectOneOutcomePerItem } from '../support/job-assertions';
import { waitFor } from '../support/worker-process';
import { retriedFailureTypes } from './retried-failures';

const ITEMS = 300;
const PER_SHARD = 50;

jest.setTimeout(240_000);

/**
 * The PostgreSQL server holding a job's outcomes and batch records stops (fast shutdown: every connection
 * dropped) and starts again on its data mid-job. What meets the server down fails as a retryable StorageTransient
 * failure, Temporal retries it, the pool opens new connections, and the job ends with one outcome per item and no
 * batch submitted twice. A server of this suite's own: the run's shared one is never restarted.
 */
describe('a PostgreSQL restart mid-job', () => {
  let postgres: PostgresServer | undefined;
  let stack: TestStack | undefined;
  beforeAll(async () => {
    postgres = await startPostgresServer();
  });
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });
  afterAll(async () => {
    await postgres?.stop();
  });

  /** A job on a database of its own, on a stack whose emulator slows `slow` (real seconds) down. */
  async function startJob(jobId: string, slow: Scenario['endpointFaults']) {
    const url = await postgres!.createDatabase(jobId.replace(/-/g, '_'));
    stack = await startTestStack({ env: { LONGHAUL_RESULT_STORE: url }, scenario: { clock: { speed: 2000 } } });
    stack.emulator.setScenario({ endpointFaults: slow });
    return stack.client.start({
      jobId,
      dataset: { path: writeTicketsJsonl(stack.dir, ITEMS), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: PER_SHARD, shardsInFlight: 6 },
      polling: { initialSeconds: 0.3, maxSeconds: 1 },
      timeouts: { heartbeatSeconds: 5, requestSeconds: 10 },
    });
  }

  /** Stops the server keeping its data, waits `downMs`, starts it again on the same port. */
  async function restartPostgres(downMs: number): Promise<void> {
    const { dir, port } = postgres!;
    await postgres!.stop({ keepData: true });
    await new Promise((resolve) => setTimeout(resolve, downMs));
    postgres = await startPostgresServer({ dir, port });
  }

  async function expectCompleted(job: Awaited<ReturnType<typeof startJob>>, jobId: string): Promise<void> {
    const report = await job.result();
    const lines = expectOneOutcomePerItem(report, ITEMS);
    expect(lines.every((l) => l.state === 'succeeded')).toBe(true);
    expectExactlyOnce(stack!.emulator, jobId);
    // the restart was met, and retried as a transient storage failure
    expect(await retriedFailureTypes(stack!, jobId, ITEMS / PER_SHARD)).toContain('StorageTransient');
  }

  it('mid-collect: the job completes with one outcome per item', async () => {
    // every download waits 2 s: collects are under way, and their writes come while the server is down
    const job = await startJob('pg-restart-collect', [{ method: 'GET', path: '/v1/files/*/content', action: 'delay', delayMs: 2_000 }]);
    await waitFor('a collect downloading', () => stack!.emulatorLog.some((l) => l.startsWith('fault delay GET /v1/files/')), 90_000);
    await restartPostgres(5_000);
    await expectCompleted(job, 'pg-restart-collect');
  });

  it('mid-submit, between the create and its record: no batch is created twice', async () => {
    // every create waits 2 s: the provider creates the batch while the server is down, so the batch id cannot be
    // recorded; the retried submit must find that batch rather than create another
    const job = await startJob('pg-restart-submit', [{ method: 'POST', path: '/v1/batches', action: 'delay', delayMs: 2_000 }]);
    await waitFor('a create under way', () => stack!.emulatorLog.some((l) => l.startsWith('fault delay POST /v1/batches')), 90_000);
    await restartPostgres(5_000);
    await expectCompleted(job, 'pg-restart-submit');
    expect(stack!.emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_job === 'pg-restart-submit')).toHaveLength(ITEMS / PER_SHARD);
  });
});
