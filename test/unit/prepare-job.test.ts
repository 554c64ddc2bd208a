import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatasetNotFoundError } from '../../src/dataset/dataset-reader';
import { prepareJob } from '../../src/dataset/prepare-job';
import { loadManifest } from '../../src/dataset/manifest';
import type { ItemOutcome } from '../../src/results/item-outcome';
import { InvalidSpecError } from '../../src/spec/spec-errors';
import { jobLayout } from '../../src/storage/job-layout';
import { coreFixture } from '../support/core-fixtures';
import { ticket } from '../support/datasets';

describe('prepare: dataset -> shard files', () => {
  it('cuts shards within the limits, in input order, with a manifest per shard', async () => {
    const f = coreFixture();
    const rows = Array.from({ length: 23 }, (_, i) => JSON.stringify(ticket(i))).join('\n');
    const spec = f.spec({ dataset: { path: f.write('t.jsonl', rows), idField: 'id' }, limits: { maxRequestsPerShard: 10 } });
    const result = await prepareJob(spec, 0, 'all', { blobs: f.blobs, store: f.store, provider: f.provider });
    expect(result).toMatchObject({ total: 23, queued: 23, badRows: 0, cached: 0 });
    expect(result.shards.map((s) => s.requests)).toEqual([10, 10, 3]);
    const address = { jobId: spec.jobId, generation: 0, round: 0, index: 1 };
    const lines = readFileSync(f.blobs.localPath(jobLayout.shardInput(address)), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ custom_id: 'i10-g0-r0', method: 'POST', url: '/v1/chat/completions' });
    expect(lines[0].body.response_format.json_schema.name).toBe('ticket');
    expect(lines[0].body.messages[1].content).toContain(ticket(10).subject);
    const manifest = await loadManifest(f.blobs, address);
    expect(manifest.map((m) => m.itemKey)).toEqual(Array.from({ length: 10 }, (_, i) => ticket(10 + i).id));
  });

  it('turns bad rows into failed outcomes with line and reason, and goes on', async () => {
    const f = coreFixture();
    const text = [
      JSON.stringify(ticket(0)),
      '{"id": "broken", ',
      JSON.stringify({ id: 'no-body', subject: 'x' }),
      JSON.stringify({ subject: 'no id', body: 'b' }),
      JSON.stringify({ ...ticket(4), body: 'x'.repeat(5000) }),
      JSON.stringify(ticket(5)),
    ].join('\n');
    const spec = f.spec({ dataset: { path: f.write('bad.jsonl', text), idField: 'id' }, limits: { maxRequestBytes: 4000 } });
    const result = await prepareJob(spec, 0, 'all', { blobs: f.blobs, store: f.store, provider: f.provider });
    expect(result).toMatchObject({ total: 6, queued: 2, badRows: 4 });
    const outcomes = [];
    for await (const o of f.store.iterate(spec.jobId)) outcomes.push(o);
    expect(outcomes.map((o) => [o.line, o.state, o.reason])).toEqual([
      [2, 'failed', 'bad_row'],
      [3, 'failed', 'bad_row'],
      [4, 'failed', 'bad_row'],
      [5, 'failed', 'bad_row'],
    ]);
    expect(outcomes[0]!.message).toMatch(/^line 2: invalid JSON/);
    expect(outcomes[1]!.message).toBe('line 3: missing field "body" (used in prompt.messages[1].content)');
    expect(outcomes[2]!.message).toBe('line 4: missing id field "id"');
    expect(outcomes[3]!.message).toMatch(/^line 5: request is \d+ bytes, over limits.maxRequestBytes \(4000\)$/);
  });

  it('answers from the store what it already holds for the same task version', async () => {
    const f = coreFixture();
    const file = f.write('t.jsonl', [0, 1, 2].map((i) => JSON.stringify(ticket(i))).join('\n'));
    const first = f.spec({ dataset: { path: file, idField: 'id' } }, 'job-a');
    await prepareJob(first, 0, 'all', { blobs: f.blobs, store: f.store, provider: f.provider });
    const manifest = await loadManifest(f.blobs, { jobId: 'job-a', generation: 0, round: 0, index: 0 });
    await f.store.upsertOutcomes('job-a', first.taskVersion, [
      { seq: 1, line: 2, itemKey: manifest[1]!.itemKey, requestKey: manifest[1]!.requestKey, state: 'succeeded', reason: null, message: null, generation: 0, round: 0, tier: 'batch', output: { category: 'bug' }, tokensIn: 1, tokensOut: 1, costUsd: 0 },
    ]);
    await f.store.indexAnswers('job-a');
    const again = await prepareJob(f.spec({ dataset: { path: file, idField: 'id' } }, 'job-b'), 0, 'all', { blobs: f.blobs, store: f.store, provider: f.provider });
    expect(again).toMatchObject({ total: 3, queued: 2, cached: 1 });
    const changed = await prepareJob(f.spec({ dataset: { path: file, idField: 'id' }, model: 'gpt-4o' }, 'job-c'), 0, 'all', { blobs: f.blobs, store: f.store, provider: f.provider });
    expect(changed).toMatchObject({ queued: 3, cached: 0 });
  });
});

describe('prepare: input refused or isolated at the edge', () => {
  const outcomesOf = async (f: ReturnType<typeof coreFixture>, jobId: string) => {
    const outcomes: ItemOutcome[] = [];
    for await (const o of f.store.iterate(jobId)) outcomes.push(o);
    return outcomes;
  };

  // a row like this froze the worker's thread in the tokenizer for over an hour: a freeze fails on the timeout
  it('makes a row of 2,000,000 identical characters a bad row at once, and goes on', async () => {
    const f = coreFixture();
    for (const [n, char] of ['a', '-', ' ', '中'].entries()) {
      const rows = [JSON.stringify({ ...ticket(0), body: char.repeat(2_000_000) }), ...[1, 2, 3].map((i) => JSON.stringify(ticket(i)))];
      const spec = f.spec({ dataset: { path: f.write(`huge-${n}.jsonl`, rows.join('\n')), idField: 'id' } }, `job-huge-${n}`);
      const result = await prepareJob(spec, 0, 'all', { blobs: f.blobs, store: f.store, provider: f.provider, threads: { count: 0 } });
      expect(result).toMatchObject({ total: 4, queued: 3, badRows: 1 });
      const [bad] = await outcomesOf(f, spec.jobId);
      expect(bad).toMatchObject({ line: 1, state: 'failed', reason: 'bad_row' });
      expect(bad!.message).toMatch(/^line 1: request is \d+ bytes, over limits\.maxRequestBytes \(1048576\)$/);
    }
  }, 60_000);

  it('gives the event loop turns while it counts tokens', async () => {
    const f = coreFixture();
    // 24 rows of 32,000 letters without a space: ~50 ms each to count (on the token thread, or here between
    // turns without it) and ~1 ms each to render; one read (1 MiB) holds them all
    let seed = 1;
    const letters = () => Array.from({ length: 32_000 }, () => String.fromCharCode(97 + ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) % 26))).join('');
    const rows = Array.from({ length: 24 }, (_, i) => JSON.stringify({ ...ticket(i), body: letters() }));
    const spec = f.spec({ dataset: { path: f.write('long.jsonl', rows.join('\n')), idField: 'id' } });
    let last = performance.now();
    let longest = 0;
    const ticker = setInterval(() => {
      longest = Math.max(longest, performance.now() - last);
      last = performance.now();
    }, 5);
    try {
      const result = await prepareJob(spec, 0, 'all', { blobs: f.blobs, store: f.store, provider: f.provider, threads: { count: 0 } });
      expect(result.queued).toBe(24);
    } finally {
      clearInterval(ticker);
    }
    // without turns the timer waited for a whole read (24 counts, over a second); with them, a slice (50 ms) and one row's count
    expect(longest).toBeLessThan(800);
  }, 60_000);

  it.each([
    ['an empty file', 'empty.jsonl', ''],
    ['blank lines only', 'blank.jsonl', '\n  \n\t\n'],
    ['a CSV header only', 'header.csv', 'id,subject,body\n'],
  ])('refuses a dataset without items (%s) on its first generation', async (_kind, name, text) => {
    const f = coreFixture();
    const spec = f.spec({ dataset: { path: f.write(name, text), idField: 'id' } });
    const prepared = prepareJob(spec, 0, 'all', { blobs: f.blobs, store: f.store, provider: f.provider });
    await expect(prepared).rejects.toBeInstanceOf(InvalidSpecError);
    await expect(prepared).rejects.toMatchObject({ problems: [{ path: 'dataset.path', message: expect.stringMatching(/has no items/) }] });
  });

  it('names a directory given as the dataset, as a dataset error (not retried)', async () => {
    const f = coreFixture();
    const dir = path.join(f.dir, 'looks-like.jsonl');
    mkdirSync(dir);
    const prepared = prepareJob(f.spec({ dataset: { path: dir } }), 0, 'all', { blobs: f.blobs, store: f.store, provider: f.provider });
    await expect(prepared).rejects.toBeInstanceOf(DatasetNotFoundError);
    await expect(prepared).rejects.toThrow(`dataset is a directory, not a file: ${dir}`);
  });

  it('reads past a byte order mark and makes lines with invalid UTF-8 bad rows naming the byte', async () => {
    const f = coreFixture();
    const file = path.join(f.dir, 'bytes.jsonl');
    writeFileSync(file, Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(JSON.stringify(ticket(0)) + '\n'),
      Buffer.from('{"id":"t-1","subject":"'), Buffer.from([0xc3, 0x28]), Buffer.from('","body":"b"}\n'),
      Buffer.from(JSON.stringify({ ...ticket(2), body: 'a real \uFFFD in the data' }) + '\n'),
    ]));
    const spec = f.spec({ dataset: { path: file, idField: 'id' } });
    const result = await prepareJob(spec, 0, 'all', { blobs: f.blobs, store: f.store, provider: f.provider });
    expect(result).toMatchObject({ total: 3, queued: 2, badRows: 1 });
    const outcomes = await outcomesOf(f, spec.jobId);
    expect(outcomes.map((o) => [o.line, o.reason, o.message])).toEqual([[2, 'bad_row', 'line 2: invalid UTF-8 (byte offset 23 in the line)']]);
  });
});

describe('manifest lines', () => {
  it('round-trip item keys with tabs, quotes and backslashes', () => {
    const { manifestLine, parseManifestItem } = jest.requireActual('../../src/dataset/manifest') as typeof import('../../src/dataset/manifest');
    for (const key of ['plain', 'has\ttab', '"quoted', 'back\\slash', 'new\nline', '']) {
      const entry: [number, number, number, string, string] = [7, 9, 42, key, 'abc123'];
      expect(parseManifestItem(manifestLine(entry).slice(0, -1), 3)).toEqual({ seq: 7, line: 9, estTokens: 42, itemKey: key, requestKey: 'abc123', inputLine: 3 });
    }
  });
});
