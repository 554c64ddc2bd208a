import Anthropic from '@anthropic-ai/sdk';
import path from 'node:path';
import { prepareJob } from '../../src/dataset/prepare-job';
import type { BatchProvider, BatchStatus } from '../../src/providers/batch-provider';
import { AnthropicBatchProvider } from '../../src/providers/anthropic/anthropic-batch-provider';
import { PROVIDER_CAPABILITIES, PROVIDER_LIMITS } from '../../src/providers/provider-limits';
import { collectShard } from '../../src/results/collect-shard';
import type { StoredOutcome } from '../../src/results/item-outcome';
import { SqliteResultStore } from '../../src/results/sqlite-result-store';
import { customIdOf } from '../../src/spec/ids';
import { jobLayout } from '../../src/storage/job-layout';
import * as threadPool from '../../src/threads/thread-pool';
import { chatBody, coreFixture } from '../support/core-fixtures';
import { ticket } from '../support/datasets';

const ITEMS = 3_000;

/** An answer for item `seq`, of a kind picked by the seq: every way a result line can read. */
function openAiLine(seq: number, round = 0): string {
  const id = customIdOf(seq, 0, round);
  const line = (status: number, body: unknown) => JSON.stringify({ id: `batch_req_${seq}`, custom_id: id, response: { status_code: status, request_id: 'r', body }, error: null });
  switch (seq % 11) {
    case 0: return line(200, chatBody(JSON.stringify({ category: 'billing', urgency: 3, summary: `item ${seq} "quoted" \u2028 é 😀` })));
    case 1: return line(200, chatBody(`{"category": "bug", "urgency": 2, "summary": "spaced ${seq}"}`));
    case 2: return line(200, chatBody(JSON.stringify({ category: 'bug', urgency: 4, summary: `pretty\n${seq}` }, null, 2)));
    case 3: return line(200, chatBody('{"category":"spam","urgency":3,"summary":"x"}'));
    case 4: return line(200, chatBody('not json at all'));
    case 5: return line(500, { error: { message: 'boom\nwith a line break', type: 'server_error' } });
    case 6: return line(400, { error: { message: 'bad param', type: 'invalid_request_error', code: 'invalid_value' } });
    case 7: return line(429, { error: { message: 'slow down', type: 'rate_limit_error' } }) + '\r';
    case 8: return JSON.stringify({ id: `batch_req_${seq}`, custom_id: id, response: null, error: { code: 'batch_expired', message: 'expired' } });
    case 9: return ''; // no line: a missing result
    default: return line(200, chatBody(JSON.stringify({ category: 'other', urgency: 1, summary: `s${seq}` }), 7, 3));
  }
}

function anthropicLine(seq: number): string {
  const id = customIdOf(seq, 0, 0);
  switch (seq % 4) {
    case 0: return JSON.stringify({ custom_id: id, result: { type: 'succeeded', message: { content: [{ type: 'tool_use', input: { category: 'bug', urgency: 2, summary: `a${seq}` } }], usage: { input_tokens: 30, output_tokens: 9 } } } });
    case 1: return JSON.stringify({ custom_id: id, result: { type: 'succeeded', message: { content: [{ type: 'text', text: '{"category":"nope"}' }], usage: { input_tokens: 30, output_tokens: 9 } } } });
    case 2: return JSON.stringify({ custom_id: id, result: { type: 'errored', error: { type: 'error', error: { type: 'overloaded_error', message: 'busy' } } } });
    default: return JSON.stringify({ custom_id: id, result: { type: 'expired' } });
  }
}

/**
 * How a seq's lines are mangled, by `seq % 31` (seqs with other lines of their own, the ones `% 97` and `% 101`,
 * and those without a line are left alone): every way a provider file can be broken or repeat itself.
 */
const MANGLE = {
  cut: 1, // its line cut in half: the item fails as malformed_result
  notTheShape: 2, // its line JSON but not the provider's shape: malformed_result
  garbageToo: 3, // a line of garbage without a custom_id besides its own line: only counted
  changedToo: 4, // a second line with a different answer: conflicting_results
  sameInErrors: 5, // the same line again in the error file: a duplicate, ignored
  changedInErrors: 6, // a different answer in the error file: conflicting_results
  cutCopyToo: 7, // a cut copy after its whole line: unreadable, and a conflict with the whole one
  onlyGarbage: 8, // its line replaced by garbage: only counted, the item missing_result
  cutBeforeId: 9, // its line cut before the custom_id ends: only counted, the item missing_result
  otherRoundCutToo: 10, // a cut line of round 1 for it besides its own: only counted as malformed
} as const;
type Mangle = keyof typeof MANGLE;

function mangleOf(seq: number, line: string): Mangle | undefined {
  if (!line || seq % 97 === 0 || seq % 101 === 0) return undefined;
  return (Object.keys(MANGLE) as Mangle[]).find((k) => MANGLE[k] === seq % 31);
}

/** A line for item `seq` with an answer no generated line has: a second line that contradicts the first. */
function changedLine(provider: BatchProvider | undefined, seq: number): string {
  const id = customIdOf(seq, 0, 0);
  const answer = { category: 'other', urgency: 5, summary: `changed ${seq}` };
  if (provider) return JSON.stringify({ custom_id: id, result: { type: 'succeeded', message: { content: [{ type: 'tool_use', input: answer }], usage: { input_tokens: 30, output_tokens: 9 } } } });
  return JSON.stringify({ id: `batch_req_${seq}`, custom_id: id, response: { status_code: 200, request_id: 'r', body: chatBody(JSON.stringify(answer)) }, error: null });
}

/** A line for item `seq` that is JSON, names it, but is not the provider's shape. */
function notTheShape(provider: BatchProvider | undefined, seq: number): string {
  const id = customIdOf(seq, 0, 0);
  return provider ? JSON.stringify({ custom_id: id, result: { type: 'weird' } }) : JSON.stringify({ id: 'x', custom_id: id, response: 'oops', error: null });
}

const half = (line: string) => line.slice(0, line.length >> 1);

/**
 * A prepared shard of ITEMS tickets and a provider output for it with every kind of line (answers valid,
 * spaced, spanning lines, against the schema, not JSON; HTTP errors; errors without a response; CRLF; blank
 * lines; lines of another round, of nobody; identical and conflicting second lines; lines cut short, of the
 * wrong shape, of garbage: MANGLE; items without a line), then the same files collected twice into each of two
 * fresh stores: line by line, and on threads.
 */
async function collectBothWays(provider: BatchProvider | undefined, lineFor: (seq: number) => string) {
  const f = coreFixture();
  const file = f.write('t.jsonl', Array.from({ length: ITEMS }, (_, i) => JSON.stringify(ticket(i))).join('\n'));
  const used = provider ?? f.provider;
  const spec = f.spec({ dataset: { path: file, idField: 'id' }, ...(provider ? { provider: provider.name, endpoint: '/v1/messages' } : {}) }, 'threads');
  await prepareJob(spec, 0, 'all', { blobs: f.blobs, store: f.store, provider: used });
  const shard = { jobId: spec.jobId, generation: 0, round: 0, index: 0 };
  const lines: string[] = [];
  const errorLines: string[] = provider ? [] : [JSON.stringify({ id: 'e', custom_id: customIdOf(9, 0, 0), response: null, error: { code: 'batch_cancelled', message: 'cancelled' } })];
  for (let seq = 0; seq < ITEMS; seq++) {
    const line = lineFor(seq);
    const mangle = mangleOf(seq, line);
    if (mangle === 'cut') lines.push(half(line));
    else if (mangle === 'notTheShape') lines.push(notTheShape(provider, seq));
    else if (mangle === 'onlyGarbage') lines.push(`garbage for ${seq}`);
    else if (mangle === 'cutBeforeId') lines.push(line.slice(0, line.indexOf('"custom_id"') + 16));
    else if (line) lines.push(line);
    if (mangle === 'garbageToo') lines.push(`{"id": "batch_req_${seq}", "respo`);
    if (mangle === 'changedToo') lines.push(changedLine(provider, seq));
    if (mangle === 'cutCopyToo') lines.push(half(line));
    if (mangle === 'otherRoundCutToo') lines.push(half(line.replace(customIdOf(seq, 0, 0), customIdOf(seq, 0, 1))));
    if (mangle === 'sameInErrors') errorLines.push(line);
    if (mangle === 'changedInErrors') errorLines.push(changedLine(provider, seq));
    if (seq % 97 === 0) lines.push('', openAiOrOther(provider, seq));
    if (seq % 101 === 0) lines.push(lineFor(seq)); // the same line again: a duplicate, ignored
    if (seq % 1000 === 500) lines.push(bigForeignLine(provider)); // files of several 1 MiB chunks: line numbers carry over
  }
  const output = f.blobs.createWriter(jobLayout.shardOutput(shard));
  await output.write(lines.join('\n')); // no line break after the last line
  await output.close();
  const errors = f.blobs.createWriter(jobLayout.shardErrors(shard));
  await errors.write(errorLines.map((l) => `${l}\n`).join(''));
  await errors.close();

  const status: BatchStatus = { batchId: 'b1', phase: 'completed', counts: { total: ITEMS, completed: 0, failed: 0 }, errors: [] };
  const runs = [];
  for (const threads of [0, 2]) {
    const store = new SqliteResultStore(path.join(f.dir, `collect-${threads}.sqlite`));
    const collect = () => collectShard({ spec, shard, status }, { blobs: f.blobs, store, provider: used, prices: f.prices, threads: { count: threads, minBytes: 0 } });
    const stored = async () => {
      const outcomes: StoredOutcome[] = [];
      for await (const o of store.iterateStored(spec.jobId)) outcomes.push(o);
      return outcomes;
    };
    const tally = await collect();
    const outcomes = await stored();
    const again = { tally: await collect(), outcomes: await stored() }; // the same files collected again
    await store.close();
    runs.push({ tally, outcomes, again });
  }
  return { runs, lines, errorLines };
}

/** A line that is not this shard's: another round's, or a custom_id of nobody's. */
function openAiOrOther(provider: BatchProvider | undefined, seq: number): string {
  if (provider) return JSON.stringify({ custom_id: seq % 2 ? 'someone-else' : customIdOf(seq, 0, 1), result: { type: 'expired' } });
  return seq % 2 ? JSON.stringify({ id: 'x', custom_id: 'someone-else', response: { status_code: 200, body: {} }, error: null }) : openAiLine(seq, 1);
}

/** A line of nobody's, 600 kB long. */
function bigForeignLine(provider: BatchProvider | undefined): string {
  const pad = 'x'.repeat(600_000);
  return provider ? JSON.stringify({ custom_id: 'someone-else', result: { type: 'expired' }, pad }) : JSON.stringify({ id: 'x', custom_id: 'someone-else', response: null, error: { code: 'x', message: pad } });
}

/** The counts a mixture of lines must give, from the same schedule that made it. */
function expectedCounts(provider: BatchProvider | undefined, lineFor: (seq: number) => string) {
  const seqs = Array.from({ length: ITEMS }, (_, seq) => seq);
  const having = (...kinds: Mangle[]) => seqs.filter((seq) => kinds.includes(mangleOf(seq, lineFor(seq))!)).length;
  return {
    malformedLines: having('cut', 'notTheShape', 'garbageToo', 'cutCopyToo', 'onlyGarbage', 'cutBeforeId', 'otherRoundCutToo'),
    duplicateLines: having('sameInErrors') + seqs.filter((seq) => seq % 101 === 0 && lineFor(seq) !== '').length,
    conflictingResults: having('changedToo', 'changedInErrors', 'cutCopyToo'),
    foreignLines: seqs.filter((seq) => (seq % 97 === 0 && openAiOrOther(provider, seq) !== '') || seq % 1000 === 500).length,
  };
}

/** The stored outcomes and tallies of both ways (and of collecting again) are the same, and the counts add up. */
function expectSameBothWays(runs: Awaited<ReturnType<typeof collectBothWays>>['runs'], provider: BatchProvider | undefined, lineFor: (seq: number) => string) {
  const [serial, threaded] = runs;
  expect(threaded!.tally).toEqual(serial!.tally);
  expect(threaded!.outcomes).toEqual(serial!.outcomes);
  for (const run of runs) expect(run.again).toEqual({ tally: run.tally, outcomes: run.outcomes });
  expect(serial!.outcomes).toHaveLength(ITEMS);
  expect(serial!.tally).toMatchObject(expectedCounts(provider, lineFor));
  const { succeeded, retryable, failed, cancelled } = serial!.tally;
  expect(succeeded + retryable + failed + cancelled).toBe(ITEMS);
  const byReason = (reason: string) => serial!.outcomes.filter((o) => o.reason === reason).map((o) => o.seq);
  const seqsOf = (...kinds: Mangle[]) => serial!.outcomes.map((o) => o.seq).filter((seq) => kinds.includes(mangleOf(seq, lineFor(seq))!));
  expect(byReason('malformed_result')).toEqual(seqsOf('cut', 'notTheShape'));
  expect(byReason('conflicting_results')).toEqual(seqsOf('changedToo', 'changedInErrors', 'cutCopyToo'));
  for (const seq of seqsOf('onlyGarbage', 'cutBeforeId')) expect(serial!.outcomes[seq]!.reason).toBe('missing_result');
  for (const seq of seqsOf('garbageToo', 'sameInErrors', 'otherRoundCutToo')) expect(['malformed_result', 'conflicting_results']).not.toContain(serial!.outcomes[seq]!.reason);
}

describe('collect on result threads', () => {
  afterAll(() => threadPool.closeSharedPools());

  it('has a compiled result thread to run (npm test builds it first)', () => {
    expect(threadPool.threadScript('results/collect-thread')).toBeDefined();
  });

  it('stores the same outcomes and counts as reading line by line, from every kind of OpenAI line, broken and repeated ones too', async () => {
    // the pool collect shares: it must have read chunks
    const held = threadPool.leaseSharedPool(threadPool.threadScript('results/collect-thread')!, 2, { resourceLimits: threadPool.THREAD_LIMITS });
    const before = held.pool.requests;
    const { runs, lines, errorLines } = await collectBothWays(undefined, openAiLine);
    expect(held.pool.requests).toBeGreaterThanOrEqual(before + 4); // the output file and the error file, twice
    held.release();
    expectSameBothWays(runs, undefined, openAiLine);
    const serial = runs[0]!;
    const states = new Set(serial.outcomes.map((o) => `${o.state}/${o.reason}`));
    expect([...states].sort()).toEqual([
      'failed/invalid_request', 'failed_retryable/conflicting_results', 'failed_retryable/expired', 'failed_retryable/invalid_output',
      'failed_retryable/malformed_result', 'failed_retryable/missing_result', 'failed_retryable/provider_cancelled', 'failed_retryable/rate_limited',
      'failed_retryable/server_error', 'succeeded/null',
    ]);
    expect(serial.outcomes.find((o) => o.seq === 12)!.outputJson).toBe('{"category": "bug", "urgency": 2, "summary": "spaced 12"}');
    expect(serial.outcomes.find((o) => o.seq === 13)!.outputJson).toBe('{"category":"bug","urgency":4,"summary":"pretty\\n13"}');
    // messages name the file and the line (1-based, blank lines counted), line by line and on threads alike
    const cut = serial.outcomes.find((o) => o.reason === 'malformed_result' && mangleOf(o.seq, openAiLine(o.seq)) === 'cut')!;
    const cutAt = lines.indexOf(half(openAiLine(cut.seq))) + 1;
    expect(cut.message).toMatch(new RegExp(`^unreadable result line \\(line ${cutAt} of the output file\\): Unterminated string in JSON`));
    const shape = serial.outcomes.find((o) => o.reason === 'malformed_result' && mangleOf(o.seq, openAiLine(o.seq)) === 'notTheShape')!;
    expect(shape.message).toMatch(/of the output file\): not an OpenAI result line: response.status_code: expected a number$/);
    const inErrors = serial.outcomes.find((o) => o.reason === 'conflicting_results' && mangleOf(o.seq, openAiLine(o.seq)) === 'changedInErrors')!;
    const secondAt = errorLines.indexOf(changedLine(undefined, inErrors.seq)) + 1;
    expect(inErrors.message).toBe(`the batch answered this item twice, differently (the second time on line ${secondAt} of the error file)`);
  });

  it('reads Anthropic results the same way too', async () => {
    const anthropic = new AnthropicBatchProvider(new Anthropic({ apiKey: 'unused', baseURL: 'http://127.0.0.1:9', maxRetries: 0 }), PROVIDER_LIMITS.anthropic, PROVIDER_CAPABILITIES.anthropic);
    const { runs } = await collectBothWays(anthropic, anthropicLine);
    expectSameBothWays(runs, anthropic, anthropicLine);
    const shape = runs[0]!.outcomes.find((o) => o.reason === 'malformed_result' && mangleOf(o.seq, anthropicLine(o.seq)) === 'notTheShape')!;
    expect(shape.message).toMatch(/: not an Anthropic result line: result.type: /);
  });

  it('never fails the collect for a line the provider cannot have written: counts it, line by line and on threads', async () => {
    const f = coreFixture();
    const file = f.write('t.jsonl', Array.from({ length: 20 }, (_, i) => JSON.stringify(ticket(i))).join('\n'));
    const spec = f.spec({ dataset: { path: file, idField: 'id' } });
    await prepareJob(spec, 0, 'all', { blobs: f.blobs, store: f.store, provider: f.provider });
    const shard = { jobId: spec.jobId, generation: 0, round: 0, index: 0 };
    const output = f.blobs.createWriter(jobLayout.shardOutput(shard));
    await output.write(`\uFEFF${openAiLine(0)}\n{"truncated":\nnull\n[1,2]\n`); // after a byte order mark, not part of the line
    await output.close();
    const status: BatchStatus = { batchId: 'b1', phase: 'completed', counts: { total: 20, completed: 0, failed: 0 }, errors: [] };
    for (const threads of [0, 2]) {
      const tally = await collectShard({ spec, shard, status }, { blobs: f.blobs, store: f.store, provider: f.provider, prices: f.prices, threads: { count: threads, minBytes: 0 } });
      expect(tally).toMatchObject({ requests: 20, succeeded: 1, retryable: 19, malformedLines: 3, foreignLines: 0, duplicateLines: 0, conflictingResults: 0 });
    }
  });
});
