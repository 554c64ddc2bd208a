import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { RequestCursor } from '../../src/emulator/batch/request-cursor';
import { parseMultipart, type MultipartUpload } from '../../src/emulator/http/multipart';
import { JsonArraySplitter, JsonShapeError } from '../../src/emulator/json-array-splitter';
import { readLines } from '../../src/emulator/jsonl-lines';
import type { BatchProgress } from '../../src/emulator/state';
import { tempDir } from '../support/temp-dirs';

const dir = tempDir('longhaul-emulator-parsers-');

/** Every way of cutting `bytes` into two or three chunks, to hit every boundary position. */
function* splits(bytes: Buffer): Generator<Buffer[]> {
  for (let a = 1; a < bytes.length; a += 1) {
    yield [bytes.subarray(0, a), bytes.subarray(a)];
    const b = Math.min(bytes.length - 1, a + 3);
    if (b > a) yield [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)];
  }
}

describe('JsonArraySplitter', () => {
  const body = Buffer.from('{"other": [1, {"requests": 2}], "requests" : [ {"custom_id":"a","s":"x,]}\\"y"} , {"custom_id":"b","n":[1,[2]]},"c"\n], "tail": {"k": "requests"}}');
  it('yields each element of the named top-level array, whatever the chunking', () => {
    for (const chunks of splits(body)) {
      const splitter = new JsonArraySplitter('requests');
      const elements = chunks.flatMap((chunk) => splitter.push(chunk)).map((e) => JSON.parse(e.toString()));
      splitter.end();
      expect(elements).toEqual([{ custom_id: 'a', s: 'x,]}"y' }, { custom_id: 'b', n: [1, [2]] }, 'c']);
    }
  });
  it('refuses bodies that are not an object holding the array', () => {
    expect(() => new JsonArraySplitter('requests').push(Buffer.from('[1]'))).toThrow(JsonShapeError);
    const missing = new JsonArraySplitter('requests');
    missing.push(Buffer.from('{"x": []}'));
    expect(() => missing.end()).toThrow(/requests/);
    const cut = new JsonArraySplitter('requests');
    cut.push(Buffer.from('{"requests": [{"a": 1}'));
    expect(() => cut.end()).toThrow(/ended early/);
  });
});

describe('readLines', () => {
  it('reads lines with offsets, CRLF and a last line without a break, from any start offset', async () => {
    const file = path.join(dir, 'lines.jsonl');
    writeFileSync(file, 'one\r\ntwo\n\nthree');
    const lines = [];
    for await (const line of readLines(file)) lines.push(line);
    expect(lines).toEqual([
      { text: 'one', number: 1, end: 5 },
      { text: 'two', number: 2, end: 9 },
      { text: '', number: 3, end: 10 },
      { text: 'three', number: 4, end: 15 },
    ]);
    const resumed = [];
    for await (const line of readLines(file, 5, 2)) resumed.push(line.text);
    expect(resumed).toEqual(['two', '', 'three']);
  });
});

describe('RequestCursor', () => {
  it('resumes from the persisted cursor and drops output written after it (a crash before the save)', async () => {
    const input = path.join(dir, 'in.jsonl');
    const output = path.join(dir, 'out.jsonl');
    writeFileSync(input, ['a', 'b', '', 'c', 'd'].join('\n') + '\n');
    const progress: BatchProgress = { total: 4, processed: 0, inputOffset: 0, succeeded: 0, failed: 0, outputBytes: 0, errorBytes: 0, promptTokens: 0, completionTokens: 0 };
    const first = await RequestCursor.open(input, output, undefined, progress);
    await first.take(2, (text) => ({ output: text.toUpperCase(), succeeded: true }));
    await first.close();
    const saved = { ...progress };
    writeFileSync(output, 'A\nB\nC-unsaved\n');
    const second = await RequestCursor.open(input, output, undefined, saved);
    await second.take(Infinity, (text) => ({ output: text.toUpperCase(), succeeded: text !== 'd' }));
    await second.close();
    expect(readFileSync(output, 'utf8')).toBe('A\nB\nC\nD\n');
    expect(saved).toMatchObject({ processed: 4, succeeded: 3, failed: 1, outputBytes: 8 });
    expect(second.done).toBe(true);
  });
});

describe('parseMultipart', () => {
  it('streams the file part to disk and keeps the fields, whatever the chunking', async () => {
    const boundary = '----x1';
    const file = Buffer.from('line one\r\n--not-a-boundary\r\n----x\r\nline two\n');
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="in.jsonl"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const target = path.join(dir, 'upload.bin');
    let received: MultipartUpload | undefined;
    const server = http.createServer((req, res) => {
      parseMultipart(req, target, 1024).then((upload) => {
        received = upload;
        res.end('ok');
      }, (err: Error) => res.writeHead(400).end(err.message));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      for (const chunks of [...splits(body)].filter((_, i) => i % 7 === 0)) {
        received = undefined;
        const status = await new Promise<number>((resolve, reject) => {
          const req = http.request({ port, method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length } }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          for (const chunk of chunks) req.write(chunk);
          req.end();
        });
        expect(status).toBe(200);
        expect(received).toEqual({ fields: { purpose: 'batch' }, file: { field: 'file', filename: 'in.jsonl', path: target, bytes: file.length } });
        expect(readFileSync(target)).toEqual(file);
      }
    } finally {
      server.close();
    }
  });
});
