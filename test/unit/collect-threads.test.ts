import Anthropic from '@anthropic-ai/sdk';
import path from 'node:path';
import { prepareJob } from '../../src/dataset/prepare-job';
import type { BatchProvider, BatchStatus } from '../../src/providers/batch-provider';
import { AnthropicBatchProvider } from '../../src/providers/anthropic/anthropic-batch-provider';
import { PROVIDER_CAPABILITIES, PROVIDER_LIMITS } from '../../src/providers/provider-limits';
import { collectShard, RESULT_THREAD_LIMITS } from '../../src/results/collect-shard';
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
 * A prepared shard of ITEMS tickets and a provider output for it with every kind of line (answers valid,
 * spaced, spanning lines, against the schema, not JSON; HTTP errors; errors without a response; CRLF; blank
 * lines; lines of another round, of nobody, and a second line for an item already answered; items without a
 * line), then the same files collected twice into fresh stores: line by line, and on threads.
 */
async function collectBothWays(provider: BatchProvider | undefined, lineFor: (seq: number) => string) {
  const f = coreFixture();
  const file = f.write('t.jsonl', Array.from({ length: ITEMS }, (_, i) => JSON.stringify(ticket(i))).join('\n'));
  const used = provider ?? f.provider;
  const spec = f.spec({ dataset: { path: file, idField: 'id' }, ...(provider ? { provider: provider.name, endpoint: '/v1/messages' } : {}) }, 'threads');
  await prepareJob(spec, 0, 'all', { blobs: f.blobs, store: f.store, provider: used });
  const shard = { jobId: spec.jobId, generation: 0, round: 0, index: 0 };
  const lines: string[] = [];
  for (let seq = 0; seq < ITEMS; seq++) {
    const line = lineFor(seq);
    if (line) lines.push(line);
    if (seq % 97 === 0) lines.push('', openAiOrOther(provider, seq));
    if (seq % 101 === 0) lines.push(lineFor(seq)); // a second line for the same item: the first counts
  }
  const output = f.blobs.createWriter(jobLayout.shardOutput(shard));
  await output.write(lines.join('\n')); // no line break after the last line
  await output.close();
  const errors = f.blobs.createWriter(jobLayout.shardErrors(shard));
  await errors.write(provider ? '' : `${JSON.stringify({ id: 'e', custom_id: customIdOf(9, 0, 0), response: null, error: { code: 'batch_cancelled', message: 'cancelled' } })}\n`);
  await errors.close();

  const status: BatchStatus = { batchId: 'b1', phase: 'completed', counts: { total: ITEMS, completed: 0, failed: 0 }, errors: [] };
  const runs = [];
  for (const threads of [0, 2]) {
    const store = new SqliteResultStore(path.join(f.dir, `collect-${threads}.sqlite`));
    const tally = await collectShard({ spec, shard, status }, { blobs: f.blobs, store, provider: used, prices: f.prices, threads: { count: threads, minBytes: 0 } });
    const outcomes: StoredOutcome[] = [];
    for await (const o of store.iterateStored(spec.jobId)) outcomes.push(o);
    await store.close();
    runs.push({ tally, outcomes });
  }
  return runs;
}

/** A line that is not this shard's: another round's, or a custom_id of nobody's. */
function openAiOrOther(provider: BatchProvider | undefined, seq: number): string {
  if (provider) return JSON.stringify({ custom_id: seq % 2 ? 'someone-else' : customIdOf(seq, 0, 1), result: { type: 'expired' } });
  return seq % 2 ? JSON.stringify({ id: 'x', custom_id: 'someone-else', response: { status_code: 200, body: {} }, error: null }) : openAiLine(seq, 1);
}

describe('collect on result threads', () => {
  afterAll(() => threadPool.closeSharedPools());

  it('has a compiled result thread to run (npm test builds it first)', () => {
    expect(threadPool.threadScript('results/collect-thread')).toBeDefined();
  });

  it('stores the same outcomes and counts as reading line by line, from every kind of OpenAI line', async () => {
    // the pool collect shares: it must have read chunks
    const held = threadPool.leaseSharedPool(threadPool.threadScript('results/collect-thread')!, 2, { resourceLimits: RESULT_THREAD_LIMITS });
    const before = held.pool.requests;
    const [serial, threaded] = await collectBothWays(undefined, openAiLine);
    expect(held.pool.requests).toBeGreaterThanOrEqual(before + 2); // the output file and the error file
    held.release();
    expect(threaded!.tally).toEqual(serial!.tally);
    expect(threaded!.outcomes).toEqual(serial!.outcomes);
    expect(serial!.outcomes).toHaveLength(ITEMS);
    const seqs = Array.from({ length: ITEMS }, (_, seq) => seq);
    const others = seqs.filter((seq) => seq % 97 === 0 && openAiOrOther(undefined, seq) !== '').length;
    const seconds = seqs.filter((seq) => seq % 101 === 0 && openAiLine(seq) !== '').length;
    expect(serial!.tally.foreignLines).toBe(others + seconds); // lines of others, and second lines
    const states = new Set(serial!.outcomes.map((o) => `${o.state}/${o.reason}`));
    expect([...states].sort()).toEqual([
      'failed/invalid_request', 'failed_retryable/expired', 'failed_retryable/invalid_output', 'failed_retryable/missing_result',
      'failed_retryable/provider_cancelled', 'failed_retryable/rate_limited', 'failed_retryable/server_error', 'succeeded/null',
    ]);
    expect(serial!.outcomes.find((o) => o.seq === 1)!.outputJson).toBe('{"category": "bug", "urgency": 2, "summary": "spaced 1"}');
    expect(serial!.outcomes.find((o) => o.seq === 2)!.outputJson).toBe('{"category":"bug","urgency":4,"summary":"pretty\\n2"}');
  });

  it('reads Anthropic results the same way too', async () => {
    const anthropic = new AnthropicBatchProvider(new Anthropic({ apiKey: 'unused', baseURL: 'http://127.0.0.1:9', maxRetries: 0 }), PROVIDER_LIMITS.anthropic, PROVIDER_CAPABILITIES.anthropic);
    const [serial, threaded] = await collectBothWays(anthropic, anthropicLine);
    expect(threaded!.tally).toEqual(serial!.tally);
    expect(threaded!.outcomes).toEqual(serial!.outcomes);
    expect(serial!.tally.succeeded).toBe(ITEMS / 4);
  });

  it('fails the collect, as line by line, on a line the provider cannot have written', async () => {
    const f = coreFixture();
    const file = f.write('t.jsonl', Array.from({ length: 20 }, (_, i) => JSON.stringify(ticket(i))).join('\n'));
    const spec = f.spec({ dataset: { path: file, idField: 'id' } });
    await prepareJob(spec, 0, 'all', { blobs: f.blobs, store: f.store, provider: f.provider });
    const shard = { jobId: spec.jobId, generation: 0, round: 0, index: 0 };
    const output = f.blobs.createWriter(jobLayout.shardOutput(shard));
    await output.write(`${openAiLine(0)}\n{"truncated":\n`);
    await output.close();
    const status: BatchStatus = { batchId: 'b1', phase: 'completed', counts: { total: 20, completed: 0, failed: 0 }, errors: [] };
    for (const threads of [0, 2]) {
      const collect = collectShard({ spec, shard, status }, { blobs: f.blobs, store: f.store, provider: f.provider, prices: f.prices, threads: { count: threads, minBytes: 0 } });
      await expect(collect).rejects.toThrow(/JSON/);
    }
  });
});
