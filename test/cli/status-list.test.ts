import { setTimeout as sleep } from 'node:timers/promises';
import { jobStatus } from '../../src/client/job-status';
import type { JobSummary } from '../../src/client/longhaul-client';
import { jobsTable } from '../../src/cli/status-text';
import { TICKET_PROMPT, writeTicketsJsonl } from '../support/datasets';
import { startTestStack, type TestStack } from '../support/stack';

describe('jobStatus: what status lists for a run', () => {
  it('Temporal\'s end wins over the recorded "running" after a terminate, failure or timeout', () => {
    expect(jobStatus('TERMINATED', 'running')).toBe('terminated');
    expect(jobStatus('FAILED', 'preparing')).toBe('failed');
    expect(jobStatus('TIMED_OUT', 'running')).toBe('timed_out');
    expect(jobStatus('CANCELLED', 'running')).toBe('cancelled');
    expect(jobStatus('COMPLETED', 'completed_with_failures')).toBe('completed_with_failures');
    expect(jobStatus('RUNNING', 'preparing')).toBe('preparing');
    expect(jobStatus('RUNNING', undefined)).toBe('running');
  });
});

/** A job terminated from Temporal (UI or `temporal workflow terminate`) while its batches run. */
describe('longhaul status lists terminated jobs as terminated, one row per job', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ scenario: { timing: { inProgressSeconds: 300_000 } } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function listed(jobId: string, ok: (j: JobSummary[]) => boolean): Promise<JobSummary[]> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rows: JobSummary[] = [];
      for await (const j of stack.client.list()) if (j.jobId === jobId) rows.push(j);
      if (ok(rows)) return rows;
      if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(rows)}`);
      await sleep(300);
    }
  }

  it('shows "terminated" after a terminate', async () => {
    const input = writeTicketsJsonl(stack.dir, 20);
    await stack.client.start({
      jobId: 'status-term',
      dataset: { path: input, idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      limits: { maxRequestsPerShard: 10 },
      polling: { initialSeconds: 0.2, maxSeconds: 0.5 },
    });
    await listed('status-term', (rows) => rows[0]?.status === 'running');
    await stack.client.temporal.workflow.getHandle('longhaul/status-term').terminate('test');
    const rows = await listed('status-term', (r) => r[0]?.status !== 'running');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('terminated');
    expect(jobsTable(rows)).toMatch(/status-term\s+terminated/);
  });
});
