import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { loadConfig } from '../../src/config/longhaul-config';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectOneOutcomePerItem } from '../support/job-assertions';

/** The Temporal CLI the test run uses (global setup sets it). */
function temporalCli(args: string[], address: string): string {
  const run = spawnSync(process.env.LONGHAUL_TEMPORAL_CLI ?? 'temporal', [...args, '--address', address], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`temporal ${args.join(' ')}: ${run.stderr || run.stdout}`);
  return run.stdout;
}

describe('a versioned worker (Worker Deployment Version, docs/versioning.md)', () => {
  const deployment = `longhaul-test-${randomBytes(4).toString('hex')}`;
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ scenario: { clock: { speed: 2000 } }, env: { LONGHAUL_BUILD_ID: 'build-1', LONGHAUL_DEPLOYMENT_NAME: deployment } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('takes tasks once its version is current, and the job runs on that version (auto-upgrade)', async () => {
    // the worker registers its version by polling; then it is made current, as an operator does on a deploy
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        temporalCli(['worker', 'deployment', 'set-current-version', '--deployment-name', deployment, '--build-id', 'build-1', '--yes'], stack.address);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    const job = await stack.client.start({
      jobId: `versioned-${deployment}`,
      dataset: { path: writeTicketsJsonl(path.join(stack.dir, 'versioned'), 20), idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: 10 },
      polling: { initialSeconds: 0.2, maxSeconds: 0.5 },
    });
    expectOneOutcomePerItem(await job.result(), 20);
    const described = await stack.client.temporal.workflow.getHandle(job.workflowId).describe();
    const info = described.raw.workflowExecutionInfo?.versioningInfo;
    expect(info?.deploymentVersion?.buildId).toBe('build-1');
    expect(info?.deploymentVersion?.deploymentName).toBe(deployment);
    expect(String(info?.behavior)).toMatch(/AUTO_UPGRADE|2/);
  });

  it('refuses a bad setting with the variable named', () => {
    expect(() => loadConfig({ LONGHAUL_DEPLOYMENT_NAME: 'x' })).toThrow('LONGHAUL_DEPLOYMENT_NAME');
    expect(() => loadConfig({ LONGHAUL_BUILD_ID: 'b', LONGHAUL_VERSIONING_BEHAVIOR: 'sometimes' })).toThrow('deployment.behavior');
    expect(() => loadConfig({ LONGHAUL_BUILD_ID: 'b', LONGHAUL_DEPLOYMENT_NAME: 'a.b' })).toThrow('no "."');
    expect(loadConfig({ LONGHAUL_BUILD_ID: 'b' }).deployment).toEqual({ name: 'longhaul', buildId: 'b', behavior: 'auto-upgrade' });
  });
});
