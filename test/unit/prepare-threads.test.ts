import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { prepareJob, type PrepareResult } from '../../src/dataset/prepare-job';
import { countLines } from '../../src/dataset/render-chunk';
import { closeSharedPools, leaseSharedPool, threadScript } from '../../src/threads/thread-pool';
import type { ItemOutcome } from '../../src/results/item-outcome';
import { jobLayout } from '../../src/storage/job-layout';
import { coreFixture } from '../support/core-fixtures';
import { ticket } from '../support/datasets';

/**
 * A dataset of about 1.6 MB (more than one 1 MiB read, so chunks carry partial lines over) with every kind
 * of line the reader knows: blank and white-space-only lines (ASCII and not), CRLF endings, broken JSON,
 * non-objects, rows without their id or a template field, a request over the size limit, and values that
 * need JSON escaping. No trailing line break.
 */
function awkwardDataset(): string {
  const lines: string[] = [];
  for (let i = 0; i < 7_000; i++) {
    if (i % 997 === 5) lines.push('');
    if (i % 1_009 === 7) lines.push('   \t');
    if (i === 3_001) lines.push('\u00a0\u2028');
    if (i % 1_013 === 11) lines.push('{"id": "broken", ');
    if (i === 4_100) lines.push('[1, 2]');
    if (i === 4_200) lines.push(JSON.stringify({ subject: 'no id', body: 'b' }));
    if (i === 4_300) lines.push(JSON.stringify({ id: 'no-body', subject: 'x' }));
    if (i === 4_400) lines.push(JSON.stringify({ ...ticket(i), body: 'x'.repeat(6_000) }));
    const row = i % 50 === 0 ? { ...ticket(i), body: `Quote " back\\slash\nnew line, tab\t, é, 😀, \u2028 #${i}` } : ticket(i);
    lines.push(JSON.stringify(row) + (i % 3 === 0 ? '\r' : ''));
  }
  return lines.join('\n');
}

/** The shard files of a prepared generation, input file and manifest of each shard in order. */
function shardFiles(f: ReturnType<typeof coreFixture>, jobId: string, result: PrepareResult, generation = 0): string[] {
  return result.shards.flatMap((s) => {
    const address = { jobId, generation, round: 0, index: s.index };
    return [jobLayout.shardInput(address), jobLayout.shardManifest(address)].map((key) => readFileSync(f.blobs.localPath(key), 'utf8'));
  });
}

/**
 * The awkward dataset as bytes, with what only bytes can carry: a byte order mark, rows with invalid UTF-8
 * (one with a bad byte right at the first 1 MiB read's end, one ending in a truncated sequence), a
 * legitimately encoded U+FFFD, and a row of 2,000,000 identical characters (a bad row: over the size limit).
 */
function awkwardBytes(): Buffer {
  const lines = awkwardDataset().split('\n').map((line) => Buffer.from(line));
  const rowAt = (near: number) => lines.findIndex((line, i) => i >= near && line.toString().startsWith('{"id":"t-'));
  const spoil = (i: number, at: number, bytes: number[]) => (lines[i] = Buffer.concat([lines[i]!.subarray(0, at), Buffer.from(bytes), lines[i]!.subarray(at)]));
  spoil(rowAt(10), 20, [0xff]);
  spoil(rowAt(2_500), 20, [0xe2, 0x82]);
  lines[rowAt(3_500)] = Buffer.from(JSON.stringify({ ...ticket(3_500), body: 'a real \uFFFD, not an error' }));
  let offset = 3;
  let boundary = 0;
  while (offset + lines[boundary]!.length + 1 <= 1 << 20) offset += lines[boundary++]!.length + 1;
  spoil(boundary, (1 << 20) - offset, [0x80]);
  spoil(rowAt(boundary + 200), 20, [0xf4, 0x90, 0x80, 0x80]);
  lines[rowAt(boundary + 400)] = Buffer.from(JSON.stringify({ ...ticket(5_000), body: '-'.repeat(2_000_000) }));
  lines.push(Buffer.concat([Buffer.from(JSON.stringify(ticket(9_999)).slice(0, -2)), Buffer.from([0xe4, 0xb8])]));
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), ...lines.flatMap((line) => [line, Buffer.from('\n')])]);
}

async function prepareBoth(options: { reprocessFailed?: boolean; bytes?: boolean } = {}) {
  const f = coreFixture();
  const file = path.join(f.dir, 'awkward.jsonl');
  writeFileSync(file, options.bytes ? awkwardBytes() : awkwardDataset());
  const runs: Array<{ result: PrepareResult; files: string[]; outcomes: ItemOutcome[] }> = [];
  for (const [jobId, threads] of [['serial', 0], ['threaded', 2]] as const) {
    const spec = f.spec({ dataset: { path: file, idField: 'id' }, limits: { maxRequestsPerShard: 1_500, maxRequestBytes: 5_000 } }, jobId);
    const deps = { blobs: f.blobs, store: f.store, provider: f.provider, threads: { count: threads, minBytes: 0 } };
    let result = await prepareJob(spec, 0, 'all', deps);
    if (options.reprocessFailed) {
      // as if the provider had failed 2,000 requests of generation 0: those and the bad rows are reprocessed
      const failed = Array.from({ length: 2_000 }, (_, i): ItemOutcome => ({
        seq: 100 + i, line: 0, itemKey: `k${i}`, requestKey: null, state: 'failed', reason: 'server_error', message: 'boom',
        generation: 0, round: 0, tier: 'batch', output: undefined, tokensIn: 0, tokensOut: 0, costUsd: 0,
      }));
      await f.store.upsertOutcomes(jobId, spec.taskVersion, failed);
      result = await prepareJob(spec, 1, 'failed', deps);
    }
    const files = shardFiles(f, jobId, result, options.reprocessFailed ? 1 : 0);
    const outcomes: ItemOutcome[] = [];
    for await (const o of f.store.iterate(jobId)) outcomes.push(o);
    runs.push({ result, files, outcomes });
  }
  return runs;
}

describe('prepare on render threads', () => {
  afterAll(() => closeSharedPools());

  it('has a compiled render thread to run (npm test builds it first)', () => {
    expect(threadScript('dataset/render-thread')).toBeDefined();
  });

  it('writes the same shard files, manifests and bad-row outcomes as rendering row by row', async () => {
    const [serial, threaded] = await prepareBoth();
    expect(serial!.result.renderThreads).toBe(0);
    expect(threaded!.result.renderThreads).toBe(2);
    const { renderThreads: _a, ...serialCounts } = serial!.result;
    const { renderThreads: _b, ...threadedCounts } = threaded!.result;
    expect(threadedCounts).toEqual(serialCounts);
    expect(serial!.result.badRows).toBe(11);
    expect(serial!.result.shards.length).toBeGreaterThan(4);
    expect(threaded!.files).toEqual(serial!.files);
    expect(threaded!.outcomes).toEqual(serial!.outcomes);
  });

  it('agrees on bytes: a byte order mark, invalid UTF-8 (also at a read boundary) and a 2,000,000-character row', async () => {
    const [serial, threaded] = await prepareBoth({ bytes: true });
    expect(threaded!.result.renderThreads).toBe(2);
    const { renderThreads: _a, ...serialCounts } = serial!.result;
    const { renderThreads: _b, ...threadedCounts } = threaded!.result;
    expect(threadedCounts).toEqual(serialCounts);
    expect(threaded!.files).toEqual(serial!.files);
    expect(threaded!.outcomes).toEqual(serial!.outcomes);
    const problems = serial!.outcomes.map((o) => o.message ?? '');
    expect(problems.filter((m) => /^line \d+: invalid UTF-8 \(byte offset \d+ in the line\)$/.test(m))).toHaveLength(5);
    expect(problems.filter((m) => /request is \d+ bytes/.test(m))).toHaveLength(2);
    expect(serial!.result.badRows).toBe(11 + 6);
    // the first row, behind the byte order mark, is a request like any other
    expect(serial!.outcomes.find((o) => o.line === 1)).toBeUndefined();
  }, 120_000);

  it('agrees when picking items one by one (a reprocess of failed items)', async () => {
    const [serial, threaded] = await prepareBoth({ reprocessFailed: true });
    expect(threaded!.result.renderThreads).toBe(2);
    expect(serial!.result.queued).toBe(2_000 - 2);
    expect(threaded!.result.queued).toBe(serial!.result.queued);
    expect(threaded!.result.untouched).toBe(serial!.result.untouched);
    expect(threaded!.files).toEqual(serial!.files);
  });

  it('shares warm threads between prepares, each with its own prompt, also at the same time', async () => {
    const f = coreFixture();
    const file = f.write('awkward.jsonl', awkwardDataset());
    const prompts = [
      { messages: [{ role: 'user' as const, content: 'Classify: {{subject}}' }] },
      { messages: [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: '{{body}} / {{subject}}' }] },
    ];
    const prepare = (jobId: string, prompt: (typeof prompts)[number], threads: number) => {
      const spec = f.spec({ dataset: { path: file, idField: 'id' }, prompt, limits: { maxRequestsPerShard: 1_500, maxRequestBytes: 5_000 } }, jobId);
      return prepareJob(spec, 0, 'all', { blobs: f.blobs, store: f.store, provider: f.provider, threads: { count: threads, minBytes: 0 } });
    };
    const serial = await Promise.all(prompts.map((prompt, i) => prepare(`serial-${i}`, prompt, 0)));
    const together = await Promise.all(prompts.map((prompt, i) => prepare(`shared-${i}`, prompt, 2)));
    for (let i = 0; i < prompts.length; i++) {
      expect(together[i]!.renderThreads).toBe(2);
      expect(shardFiles(f, `shared-${i}`, together[i]!)).toEqual(shardFiles(f, `serial-${i}`, serial[i]!));
    }
    expect(shardFiles(f, 'shared-0', together[0]!)).not.toEqual(shardFiles(f, 'shared-1', together[1]!));
  });

  it('keeps a shared pool while held and for a while after, then closes it', async () => {
    const script = threadScript('dataset/render-thread')!;
    const first = leaseSharedPool(script, 1, { idleMs: 100 });
    const second = leaseSharedPool(script, 1, { idleMs: 100 });
    expect(second.pool).toBe(first.pool);
    expect(leaseSharedPool(script, 2, { idleMs: 100 }).pool).not.toBe(first.pool);
    first.release();
    second.release();
    second.release(); // a second release of one lease changes nothing
    const again = leaseSharedPool(script, 1, { idleMs: 100 });
    expect(again.pool).toBe(first.pool); // still warm
    again.release();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const fresh = leaseSharedPool(script, 1, { idleMs: 100 });
    expect(fresh.pool).not.toBe(first.pool);
    await expect(first.pool.run({})).rejects.toThrow('closed');
    fresh.release();
  });

  it('counts items as the reader does: blank and white-space-only lines are not items', () => {
    const text = ['{"a":1}', '', ' \t\r', '\u00a0', '\ufeff', '{"b":2}\r', 'x', '\u00e9'].join('\n');
    expect(countLines(Buffer.from(text))).toEqual({ breaks: 7, items: 4 });
    expect(countLines(Buffer.from(text + '\n'))).toEqual({ breaks: 8, items: 4 });
  });
});
