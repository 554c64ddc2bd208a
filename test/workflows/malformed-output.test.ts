import type { ShardTally } from '../../src/results/shard-tally';
import { shardAttemptId, shardWorkflowId } from '../../workflows/internal/workflow-ids';
import { startManglingProxy, type ManglingProxy } from '../support/mangling-proxy';
import { startTestStack, type TestStack } from '../support/stack';
import { TICKET_PROMPT, TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { expectExactlyOnce, expectOneOutcomePerItem } from '../support/job-assertions';

const ITEMS = 30;
const SHARDS = 3;

type Line = { custom_id: string; response: { status_code: number; body: { choices: Array<{ message: { content: string } }> } } | null };

/**
 * Round 0's first output file with three answers, mangled as a provider might: its first answer cut in half
 * (`Unterminated string in JSON`), its second answered again with a different summary, its third repeated as
 * it is. Returns undefined for any other file (left as it came).
 */
function mangleOutput(text: string): string | undefined {
  const lines = text.split('\n').filter(Boolean);
  const answers = lines.filter((l) => l.includes('-r0"') && (JSON.parse(l) as Line).response?.status_code === 200);
  if (answers.length < 3) return undefined;
  const [cut, changed, same] = answers as [string, string, string];
  const other = JSON.parse(changed) as Line;
  const message = other.response!.body.choices[0]!.message;
  message.content = JSON.stringify({ ...(JSON.parse(message.content) as object), summary: 'a second, different answer' });
  const mangled = lines.map((l) => (l === cut ? cut.slice(0, cut.length >> 1) : l));
  return `${[...mangled, JSON.stringify(other), same].join('\n')}\n`;
}

const customIdOf = (line: string) => (JSON.parse(line) as Line).custom_id;

describe('a provider output file with a cut line and repeated lines (real Temporal, real HTTP through a mangling proxy)', () => {
  let stack: TestStack | undefined;
  let proxy: ManglingProxy | undefined;

  afterEach(async () => {
    await stack?.stop();
    await proxy?.stop();
  });

  it('fails only the broken and contradicted items, retries them in round 1, and counts the lines in the shard tally', async () => {
    proxy = await startManglingProxy();
    const openai = { provider: 'openai' as const, baseURL: `${proxy.url}/v1`, apiKey: 'sk-emulator', timeoutMs: 5_000, flexTimeoutMs: 60_000 };
    stack = await startTestStack({ scenario: { clock: { speed: 2000 } }, accounts: { openai } });
    proxy.target = stack.emulator.url;
    proxy.mangle({ method: 'GET', path: /^\/v1\/files\/[^/]+\/content$/, body: mangleOutput });

    const jobId = 'malformed-output';
    const input = writeTicketsJsonl(stack.dir, ITEMS);
    const job = await stack.client.start({
      jobId,
      dataset: { path: input, idField: 'id' },
      model: 'gpt-4o-mini',
      prompt: TICKET_PROMPT,
      outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
      limits: { maxRequestsPerShard: ITEMS / SHARDS },
      retry: { maxRounds: 3 },
      polling: { initialSeconds: 0.2, maxSeconds: 1 },
      timeouts: { heartbeatSeconds: 5, requestSeconds: 5 },
    });
    const report = await job.result();

    // the proxy rewrote one output file, once
    expect(proxy.rewritten).toHaveLength(1);
    const before = proxy.rewritten[0]!.before.split('\n').filter((l) => l.includes('-r0"') && (JSON.parse(l) as Line).response?.status_code === 200);
    const [cutId, changedId, sameId] = before.slice(0, 3).map(customIdOf) as [string, string, string];
    const seqOf = (customId: string) => Number(/^i(\d+)-/.exec(customId)![1]);

    // the job completes, every item once, every item succeeded; the broken and contradicted ones in round 1
    const lines = expectOneOutcomePerItem(report, ITEMS);
    expectExactlyOnce(stack.emulator, jobId);
    expect(report.counts.succeeded).toBe(ITEMS);
    expect(report.rounds).toBe(2);
    const retried = lines.filter((l) => l.round === 1).map((l) => l.line - 1);
    expect(retried.sort((a, b) => a - b)).toEqual([seqOf(cutId), seqOf(changedId)].sort((a, b) => a - b));
    expect(lines[seqOf(sameId)]).toMatchObject({ state: 'succeeded', round: 0 });
    // round 1 submitted exactly those two again
    const resubmitted = Object.keys(stack.emulator.inspect().submissions.byCustomId.openai).filter((id) => id.endsWith('-g0-r1'));
    expect(resubmitted.sort()).toEqual([cutId.replace('-r0', '-r1'), changedId.replace('-r0', '-r1')].sort());

    // round 0's shard tallies, as its shard workflows returned them (recorded in their histories)
    const tallies: ShardTally[] = [];
    for (let index = 0; index < SHARDS; index++) {
      tallies.push(await stack.client.temporal.workflow.getHandle(shardWorkflowId(shardAttemptId(jobId, 0, 0, index))).result());
    }
    const sum = (count: keyof ShardTally) => tallies.reduce((n, t) => n + Number(t[count] ?? 0), 0);
    expect({ malformed: sum('malformedLines'), duplicate: sum('duplicateLines'), conflicting: sum('conflictingResults'), foreign: sum('foreignLines') }).toEqual({
      malformed: 1,
      duplicate: 1,
      conflicting: 1,
      foreign: 0,
    });
    expect({ succeeded: sum('succeeded'), retryable: sum('retryable') }).toEqual({ succeeded: ITEMS - 2, retryable: 2 });
  });
});
