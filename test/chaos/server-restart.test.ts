import path from 'node:path';
import { freePort } from '../../src/dev/free-port';
import { startDevServer, type DevServer } from '../../src/dev/temporal-dev-server';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectExactlyOnce, expectOneOutcomePerItem } from '../support/job-assertions';
import { waitFor } from '../support/worker-process';
import { tempDir } from '../support/temp-dirs';

const ITEMS = 150;

describe('the Temporal server killed and restarted on its SQLite file mid-job', () => {
  let server: DevServer | undefined;
  let stack: TestStack | undefined;
  afterAll(async () => {
    await stack?.stop();
    await server?.stop();
  });

  it('the job completes: nothing lost, no batch submitted twice', async () => {
    const dir = tempDir('longhaul-restart-');
    const port = await freePort();
    const dbFile = path.join(dir, 'temporal.sqlite');
    const serve = () => startDevServer({ port, headless: true, dbFile, logFile: path.join(dir, 'temporal.log') });
    server = await serve();
    // batches take ~4 s, so the server dies while they are at the provider
    stack = await startTestStack({ address: server.address, dataDir: dir, scenario: { clock: { speed: 200 } } });
    const job = await stack.client.start({
      jobId: 'restart-job',
      dataset: { path: writeTicketsJsonl(dir, ITEMS), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 50 },
      polling: { initialSeconds: 0.5, maxSeconds: 1 },
      timeouts: { heartbeatSeconds: 5, requestSeconds: 5 },
    });
    const emulator = stack.emulator;
    await waitFor('batches at the provider', () => emulator.inspect().batches.openai.filter((b) => b.metadata?.longhaul_job === 'restart-job').length >= 2);
    await killHard(server);
    await new Promise((r) => setTimeout(r, 1500));
    server = await serve();

    const report = await job.result();
    const lines = expectOneOutcomePerItem(report, ITEMS);
    expect(lines.every((l) => l.state === 'succeeded')).toBe(true);
    expectExactlyOnce(emulator, 'restart-job');
  });
});

/** SIGKILL, as a crash: no shutdown, whatever SQLite has committed is what survives. */
async function killHard(server: DevServer): Promise<void> {
  process.kill(server.pid, 'SIGKILL');
  await server.stop();
}
