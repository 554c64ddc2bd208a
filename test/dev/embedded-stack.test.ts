import { createLonghaulClient } from '../../src/client/longhaul-client';
import { startEmbeddedStack, type EmbeddedStack } from '../../src/dev/embedded-stack';
import { writeTicketsJsonl, TICKET_PROMPT, TICKET_SCHEMA } from '../support/datasets';
import { expectOneOutcomePerItem } from '../support/job-assertions';
import { waitFor } from '../support/worker-process';
import { workflowBundle } from '../support/stack';
import { tempDir } from '../support/temp-dirs';

/**
 * The embedded default (`longhaul dev`): dev server on a SQLite file, emulator with persisted state, worker.
 * Stopped mid-job and started again on the same folder, it finishes the job; nothing is lost or sent twice.
 */
describe('the embedded stack', () => {
  let stack: EmbeddedStack | undefined;
  afterAll(async () => {
    await stack?.stop();
  });

  it('resumes an unfinished job after a stop and a start on the same data dir', async () => {
    const dataDir = tempDir('longhaul-embedded-');
    const bundle = workflowBundle();
    const start = () => startEmbeddedStack({ dataDir, temporalPort: 0, uiPort: 0, emulator: { scenario: { clock: { speed: 150 } } }, ...(bundle ? { workflowBundle: bundle } : {}) });
    stack = await start();
    let client = await createLonghaulClient({ address: stack.address, config: stack.config });
    const job = await client.start({
      jobId: 'embedded-resume',
      dataset: { path: writeTicketsJsonl(dataDir, 60), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 20 },
      polling: { initialSeconds: 0.3, maxSeconds: 1 },
      timeouts: { heartbeatSeconds: 3, requestSeconds: 5 },
    });
    const emulator = stack.emulator!;
    await waitFor('batches at the provider', () => emulator.inspect().batches.openai.length >= 2);
    await client.close();
    await stack.stop();

    stack = await start();
    client = await createLonghaulClient({ address: stack.address, config: stack.config });
    const report = await client.job(job.jobId).result();
    const lines = expectOneOutcomePerItem(report, 60);
    expect(lines.every((l) => l.state === 'succeeded')).toBe(true);
    const batches = stack.emulator!.inspect().batches.openai;
    expect(new Set(batches.map((b) => b.metadata?.longhaul_shard)).size).toBe(batches.length);
    expect(batches).toHaveLength(3);
    await client.close();
  });
});
