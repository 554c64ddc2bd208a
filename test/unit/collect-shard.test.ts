import { prepareJob } from '../../src/dataset/prepare-job';
import { collectShard } from '../../src/results/collect-shard';
import type { BatchStatus } from '../../src/providers/batch-provider';
import { customIdOf } from '../../src/spec/ids';
import { jobLayout } from '../../src/storage/job-layout';
import type { ItemOutcome } from '../../src/results/item-outcome';
import type { JobSpecInput } from '../../src/spec/job-spec';
import { chatBody, coreFixture } from '../support/core-fixtures';
import { ticket } from '../support/datasets';

const valid = JSON.stringify({ category: 'billing', urgency: 3, summary: 'double charge' });

function outputLine(seq: number, status: number, body: unknown) {
  return JSON.stringify({ id: `batch_req_${seq}`, custom_id: customIdOf(seq, 0, 0), response: { status_code: status, request_id: 'r', body }, error: null });
}
function errorLine(seq: number, code: string) {
  return JSON.stringify({ id: `batch_req_${seq}`, custom_id: customIdOf(seq, 0, 0), response: null, error: { code, message: `${code} happened` } });
}

async function setup(status: BatchStatus, output: string[], errors: string[], overrides: Partial<JobSpecInput> = {}) {
  const f = coreFixture();
  const file = f.write('t.jsonl', Array.from({ length: 8 }, (_, i) => JSON.stringify(ticket(i))).join('\n'));
  const spec = f.spec({ dataset: { path: file, idField: 'id' }, ...overrides });
  await prepareJob(spec, 0, 'all', { blobs: f.blobs, store: f.store, provider: f.provider });
  const shard = { jobId: spec.jobId, generation: 0, round: 0, index: 0 };
  // as if downloaded by an earlier attempt: collect must not download again
  for (const [key, lines] of [[jobLayout.shardErrors(shard), errors], [jobLayout.shardOutput(shard), output]] as const) {
    const w = f.blobs.createWriter(key);
    await w.write(lines.map((l) => l + '\n').join(''));
    await w.close();
  }
  const run = () => collectShard({ spec, shard, status, jobCancelled: false }, { blobs: f.blobs, store: f.store, provider: f.provider, prices: f.prices });
  const outcomes = async () => {
    const all: ItemOutcome[] = [];
    for await (const o of f.store.iterate(spec.jobId)) all.push(o);
    return all;
  };
  return { f, spec, run, outcomes };
}

const completed: BatchStatus = { batchId: 'b1', phase: 'completed', counts: { total: 8, completed: 6, failed: 2 }, outputRef: 'file-out', errorRef: 'file-err', errors: [] };

describe('collect: provider output -> one outcome per item', () => {
  it('classifies answers and errors, checks the schema, and accounts for every item', async () => {
    const { run, outcomes } = await setup(
      completed,
      [
        outputLine(3, 200, chatBody(valid)),
        outputLine(0, 200, chatBody(valid)),
        outputLine(1, 200, chatBody('{"category":"spam","urgency":3,"summary":"x"}')),
        outputLine(2, 200, chatBody('not json at all')),
        outputLine(4, 500, { error: { message: 'boom', type: 'server_error' } }),
        outputLine(5, 400, { error: { message: 'bad param', type: 'invalid_request_error', code: 'invalid_value' } }),
        JSON.stringify({ id: 'x', custom_id: 'someone-else', response: { status_code: 200, body: {} }, error: null }),
      ],
      [errorLine(6, 'batch_expired')],
    );
    const tally = await run();
    expect(tally).toMatchObject({ requests: 8, succeeded: 2, retryable: 5, failed: 1, foreignLines: 1 });
    const bySeq = Object.fromEntries((await outcomes()).map((o) => [o.seq, o]));
    expect(bySeq[0]).toMatchObject({ state: 'succeeded', output: { category: 'billing', urgency: 3 }, tokensIn: 40, tokensOut: 12 });
    expect(bySeq[0]!.costUsd).toBeCloseTo(((40 * 0.15 + 12 * 0.6) / 1e6) * 0.5, 12);
    expect(bySeq[1]).toMatchObject({ state: 'failed_retryable', reason: 'invalid_output' });
    expect(bySeq[1]!.message).toMatch(/output\.category must be equal to one of the allowed values/);
    expect(bySeq[2]).toMatchObject({ state: 'failed_retryable', reason: 'invalid_output', message: 'answer is not valid JSON: not json at all' });
    expect(bySeq[4]).toMatchObject({ state: 'failed_retryable', reason: 'server_error' });
    expect(bySeq[5]).toMatchObject({ state: 'failed', reason: 'invalid_request' });
    expect(bySeq[6]).toMatchObject({ state: 'failed_retryable', reason: 'expired' });
    expect(bySeq[7]).toMatchObject({ state: 'failed_retryable', reason: 'missing_result' });
  });

  it('stores a one-line answer as the model wrote it, and re-serializes one that spans lines', async () => {
    const spaced = '{"category": "bug", "urgency": 2, "summary": "crash"}';
    const pretty = JSON.stringify({ category: 'bug', urgency: 4, summary: 'slow' }, null, 2);
    const { f, spec, run } = await setup(completed, [outputLine(0, 200, chatBody(spaced)), outputLine(1, 200, chatBody(pretty))], []);
    await run();
    const stored: Record<number, string | null> = {};
    for await (const o of f.store.iterateStored(spec.jobId)) stored[o.seq] = o.outputJson;
    expect(stored[0]).toBe(spaced);
    expect(stored[1]).toBe('{"category":"bug","urgency":4,"summary":"slow"}');
  });

  it('is idempotent: collecting the same files twice changes nothing', async () => {
    const { run, outcomes } = await setup(completed, [outputLine(0, 200, chatBody(valid)), outputLine(1, 500, {})], []);
    await run();
    const first = await outcomes();
    await run();
    expect(await outcomes()).toEqual(first);
  });

  it('fails only the item of a line it cannot read, as malformed_result naming the file and line, and never throws', async () => {
    const cut = outputLine(2, 200, chatBody(valid));
    const { run, outcomes } = await setup(
      completed,
      [
        outputLine(0, 200, chatBody(valid)),
        cut.slice(0, cut.indexOf('category') + 3), // cut in the answer's text: `Unterminated string in JSON`
        JSON.stringify({ id: 'x', custom_id: customIdOf(3, 0, 0), response: { status_code: 'OK' }, error: null }), // JSON, not the shape
        'garbage without an id',
        JSON.stringify({ id: 'x', custom_id: customIdOf(4, 0, 1), response: 'oops', error: null }), // another round's, unreadable
        '',
        outputLine(1, 200, chatBody(valid)),
      ],
      ['{"id": "batch_req_5", "custom_id": "i5-g0-r0", "response": nu'],
    );
    const tally = await run();
    expect(tally).toMatchObject({ requests: 8, succeeded: 2, retryable: 6, failed: 0, malformedLines: 5, foreignLines: 0, duplicateLines: 0, conflictingResults: 0 });
    const bySeq = Object.fromEntries((await outcomes()).map((o) => [o.seq, o]));
    expect(bySeq[2]).toMatchObject({ state: 'failed_retryable', reason: 'malformed_result', tokensIn: 0 });
    expect(bySeq[2]!.message).toMatch(/^unreadable result line \(line 2 of the output file\): Unterminated string in JSON at position \d+/);
    expect(bySeq[3]!.message).toBe('unreadable result line (line 3 of the output file): not an OpenAI result line: response.status_code: expected a number');
    expect(bySeq[5]!.message).toMatch(/^unreadable result line \(line 1 of the error file\): /);
    for (const seq of [4, 6, 7]) expect(bySeq[seq]).toMatchObject({ state: 'failed_retryable', reason: 'missing_result' });
  });

  it('ignores a second line that says the same, and marks an item answered twice differently as conflicting_results', async () => {
    const { run, outcomes } = await setup(
      completed,
      [
        outputLine(0, 200, chatBody(valid)),
        outputLine(1, 200, chatBody(valid)),
        outputLine(2, 500, { error: { message: 'boom', type: 'server_error' } }),
        outputLine(3, 200, chatBody(valid)),
        outputLine(0, 200, chatBody(valid)), // the same again: ignored
        outputLine(1, 200, chatBody('{"category":"bug","urgency":1,"summary":"other"}', 50, 20)), // a different answer
        outputLine(2, 500, { error: { message: 'boom', type: 'server_error' } }), // the same error again: ignored
        outputLine(2, 200, chatBody(valid)), // an answer after an error: a conflict too
        outputLine(1, 200, chatBody(valid)), // a third line for an item already conflicting: ignored
      ],
      [outputLine(3, 200, chatBody('{"category":"spam","urgency":3,"summary":"x"}')), outputLine(0, 200, chatBody(valid))], // across files
    );
    const tally = await run();
    expect(tally).toMatchObject({ requests: 8, succeeded: 1, retryable: 7, duplicateLines: 4, conflictingResults: 3, foreignLines: 0, malformedLines: 0 });
    // every line's tokens were billed: the first lines' and the conflicting ones'
    expect(tally.tokensIn).toBe(40 * 3 + 50 + 40 + 40);
    const bySeq = Object.fromEntries((await outcomes()).map((o) => [o.seq, o]));
    expect(bySeq[0]).toMatchObject({ state: 'succeeded' });
    expect(bySeq[1]).toMatchObject({
      state: 'failed_retryable',
      reason: 'conflicting_results',
      message: 'the batch answered this item twice, differently (the second time on line 6 of the output file)',
      tokensIn: 50,
    });
    expect(bySeq[2]).toMatchObject({ state: 'failed_retryable', reason: 'conflicting_results' });
    expect(bySeq[3]).toMatchObject({ reason: 'conflicting_results', message: expect.stringMatching(/on line 1 of the error file\)$/) });
  });

  it('ends the same way however often the same files are collected, conflicts and unreadable lines included', async () => {
    const cut = outputLine(4, 200, chatBody(valid));
    const { run, outcomes } = await setup(
      completed,
      [outputLine(0, 200, chatBody(valid)), outputLine(1, 200, chatBody(valid)), outputLine(1, 400, { error: { message: 'no' } }), cut.slice(0, 60), outputLine(5, 200, chatBody(valid)), outputLine(5, 200, chatBody(valid))],
      [outputLine(0, 200, chatBody('{"category":"bug","urgency":1,"summary":"other"}'))],
    );
    const tally = await run();
    const first = await outcomes();
    expect(await run()).toEqual(tally);
    expect(await outcomes()).toEqual(first);
    expect(first.map((o) => o.reason)).toEqual(['conflicting_results', 'conflicting_results', 'missing_result', 'missing_result', 'malformed_result', null, 'missing_result', 'missing_result']);
  });

  it('reads an answer body of another shape as an invalid answer, not an error that fails the collect', async () => {
    const answer = { output: [{ type: 'message', content: [{ type: 'output_text', text: valid }] }], usage: { input_tokens: 5, output_tokens: 7 } };
    const { run, outcomes } = await setup(
      completed,
      [outputLine(0, 200, answer), outputLine(1, 200, { output: {} }), outputLine(2, 200, { output: [null, { type: 'message', content: 'x' }, { type: 'message', content: [null] }] }), outputLine(3, 200, 'text')],
      [],
      { endpoint: '/v1/responses' },
    );
    expect(await run()).toMatchObject({ succeeded: 1, malformedLines: 0 });
    const bySeq = Object.fromEntries((await outcomes()).map((o) => [o.seq, o]));
    expect(bySeq[0]).toMatchObject({ state: 'succeeded', tokensIn: 5, tokensOut: 7 });
    for (const seq of [1, 2, 3]) expect(bySeq[seq]).toMatchObject({ state: 'failed_retryable', reason: 'invalid_output' });
  });

  it('blames the input lines a failed validation names, and fails the rest retryably', async () => {
    const failed: BatchStatus = { batchId: 'b1', phase: 'failed', counts: { total: 0, completed: 0, failed: 0 }, errors: [{ code: 'invalid_json', message: 'line is not JSON', line: 3 }] };
    const { run, outcomes } = await setup(failed, [], []);
    await run();
    const all = await outcomes();
    expect(all.find((o) => o.seq === 2)).toMatchObject({ state: 'failed', reason: 'invalid_request', message: 'invalid_json: line is not JSON' });
    expect(all.filter((o) => o.reason === 'batch_failed')).toHaveLength(7);
  });
});
