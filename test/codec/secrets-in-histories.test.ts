import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startCodecServer } from '../../src/codec/codec-server';
import { freePort } from '../../src/dev/free-port';
import { TICKET_SCHEMA } from '../support/datasets';
import { contents, holds } from '../support/history-contents';
import { startTestStack, workflowBundle, type TestStack } from '../support/stack';
import { expectOneLineError, runCli, startCli } from '../cli/cli-process';

/**
 * Secrecy end to end: jobs whose prompt and rows (good ones, a broken line, a row without the prompt's field)
 * carry a marker run on a real `longhaul worker` process (OpenAI in batch mode, Anthropic in realtime) whose
 * provider keys are markers too (the emulator takes any key). Then every event of every run of the jobs and
 * their shards (raw, as the server stores them), the worker's own output at DEBUG and its /metrics are searched.
 * With a payload key: no prompt or row marker anywhere. With or without: no API key marker anywhere.
 */
const PROMPT_MARKER = `PROMPTMARK${randomBytes(4).toString('hex')}`;
const ROW_MARKER = `ROWMARK${randomBytes(4).toString('hex')}`;
const API_KEY_MARKER = `sk-APIKEYMARK${randomBytes(6).toString('hex')}`;
const ANTHROPIC_KEY_MARKER = `sk-ant-APIKEYMARK${randomBytes(6).toString('hex')}`;
const PAYLOAD_KEY = randomBytes(32).toString('base64');
const ROWS = 8;


/** `temporal workflow show --output json` prints payload bytes as base64: the text plus every base64 field decoded. */
function cliContents(json: string): Buffer[] {
  const out = [Buffer.from(json)];
  JSON.parse(json, (_key, value: unknown) => {
    if (typeof value === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(value) && value.length % 4 === 0) out.push(Buffer.from(value, 'base64'));
    return value;
  });
  return out;
}

/** ROWS good rows, a line that is not JSON and a row without the prompt's field, each carrying the row marker. */
function writeDataset(dir: string, jobId: string): string {
  const file = path.join(dir, `${jobId}.jsonl`);
  const good = Array.from({ length: ROWS }, (_, i) => JSON.stringify({ id: `r${i}`, text: `ticket ${i} ${ROW_MARKER}` }));
  writeFileSync(file, [...good, `{"id": "broken", "text": "${ROW_MARKER} never closed`, JSON.stringify({ id: 'no-text', body: ROW_MARKER })].join('\n') + '\n');
  return file;
}

/** Two jobs on one worker: OpenAI in batch mode, Anthropic in realtime (request by request). */
async function runJobs(stack: TestStack, prefix: string, env: NodeJS.ProcessEnv) {
  const metricsPort = await freePort();
  const bundle = workflowBundle();
  const worker = await startCli(['worker', '--log-level', 'DEBUG', '--log-format', 'json', '--metrics-port', String(metricsPort)], /worker ready/, {
    env: {
      TEMPORAL_ADDRESS: stack.address,
      LONGHAUL_DATA_DIR: stack.config.dataDir,
      LONGHAUL_TASK_QUEUE: stack.config.taskQueue,
      OPENAI_BASE_URL: stack.emulator.openaiBaseURL,
      OPENAI_API_KEY: API_KEY_MARKER,
      ANTHROPIC_BASE_URL: stack.emulator.anthropicBaseURL,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY_MARKER,
      ...(bundle ? { LONGHAUL_WORKFLOW_BUNDLE: bundle.codePath } : {}),
      ...env,
    },
  });
  try {
    const jobs = [
      { jobId: `${prefix}-openai`, model: 'gpt-4o-mini' },
      { jobId: `${prefix}-anthropic`, provider: 'anthropic' as const, model: 'claude-haiku-4-5', mode: 'realtime' as const },
    ];
    const handles = await Promise.all(
      jobs.map((job) =>
        stack.client.start({
          ...job,
          dataset: { path: writeDataset(stack.dir, job.jobId), idField: 'id' },
          prompt: { messages: [{ role: 'system', content: `Classify. ${PROMPT_MARKER}` }, { role: 'user', content: '{{text}}' }] },
          outputSchema: { name: 'ticket', schema: TICKET_SCHEMA },
          limits: { maxRequestsPerShard: 4 },
          polling: { initialSeconds: 0.2, maxSeconds: 1 },
        }),
      ),
    );
    for (const handle of handles) {
      const report = await handle.result();
      // read through the client, which opens blobs encrypted at rest
      const lines = [];
      for await (const line of handle.results()) lines.push(line);
      expect([report.total, lines.length]).toEqual([ROWS + 2, ROWS + 2]);
      expect(lines.filter((l) => l.state === 'failed')).toHaveLength(2); // the broken line and the row without `text`
    }
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const histories: Buffer[] = [];
    let runs = 0;
    for await (const wf of stack.client.temporal.workflow.list({ query: `WorkflowId STARTS_WITH "longhaul/${prefix}-"` })) {
      runs++;
      contents(await stack.client.temporal.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory(), histories);
    }
    expect(runs).toBeGreaterThanOrEqual(4); // each job and its shards
    return { histories, logs: worker.stdout() + worker.stderr(), metrics };
  } finally {
    await worker.stop();
  }
}

describe('secrets in histories, logs and metrics', () => {
  let stack: TestStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('with LONGHAUL_PAYLOAD_KEY: prompts and rows never appear in clear; the Temporal CLI reads them through the codec server', async () => {
    stack = await startTestStack({ worker: false, scenario: { clock: { speed: 2000 } }, env: { LONGHAUL_PAYLOAD_KEY: PAYLOAD_KEY } });
    const { histories, logs, metrics } = await runJobs(stack, 'secret-encrypted', { LONGHAUL_PAYLOAD_KEY: PAYLOAD_KEY });
    expect(logs).toMatch(/"level":"debug"/); // the worker really logged at DEBUG
    expect(logs).toMatch(new RegExp(`worker ready: .*, payloads encrypted with key ${stack.config.payloadKeys![0]!.id}`));
    for (const marker of [PROMPT_MARKER, ROW_MARKER, API_KEY_MARKER, ANTHROPIC_KEY_MARKER]) {
      expect({ marker, inHistory: holds(histories, marker), inLogs: logs.includes(marker), inMetrics: metrics.includes(marker) }).toEqual({
        marker,
        inHistory: false,
        inLogs: false,
        inMetrics: false,
      });
    }
    expect(holds(histories, 'binary/encrypted')).toBe(true);
    // and at rest: every blob of the jobs (the rows stored, shard files, provider output, results, report) is ciphertext
    const blobDir = stack.config.storage.kind === 'local' ? stack.config.storage.dir : '';
    const files = readdirSync(path.join(blobDir, 'jobs'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const bytes = readFileSync(path.join(file.parentPath, file.name));
      expect({ file: file.name, prompt: bytes.includes(PROMPT_MARKER), row: bytes.includes(ROW_MARKER) }).toEqual({ file: file.name, prompt: false, row: false });
    }

    // the official CLI sees ciphertext, and plain text through `longhaul codec-server`'s contract with the token
    const temporal = process.env.LONGHAUL_TEMPORAL_CLI!;
    const show = (extra: string[]) =>
      promisify(execFile)(temporal, ['workflow', 'show', '--address', stack!.address, '-w', 'longhaul/secret-encrypted-openai', '--output', 'json', ...extra], { maxBuffer: 64 << 20 });
    expect(holds(cliContents((await show([])).stdout), PROMPT_MARKER)).toBe(false);
    const codec = await startCodecServer({ keys: stack.config.payloadKeys!, origins: [], authToken: 'tok-1' });
    try {
      expect(holds(cliContents((await show(['--codec-endpoint', codec.url, '--codec-auth', 'Bearer tok-1'])).stdout), PROMPT_MARKER)).toBe(true);
      await expect(show(['--codec-endpoint', codec.url, '--codec-auth', 'Bearer wrong'])).rejects.toThrow();
    } finally {
      await codec.stop();
    }
  });

  it('without a payload key: the API key still appears nowhere (the prompt does, in the workflow input: the scan finds what is there)', async () => {
    stack = await startTestStack({ worker: false, scenario: { clock: { speed: 2000 } } });
    const { histories, logs, metrics } = await runJobs(stack, 'secret-plain', {});
    expect(holds(histories, PROMPT_MARKER)).toBe(true);
    for (const marker of [API_KEY_MARKER, ANTHROPIC_KEY_MARKER]) {
      expect({ marker, inHistory: holds(histories, marker), inLogs: logs.includes(marker), inMetrics: metrics.includes(marker) }).toEqual({
        marker,
        inHistory: false,
        inLogs: false,
        inMetrics: false,
      });
    }
    expect({ promptInLogs: logs.includes(PROMPT_MARKER), rowInLogs: logs.includes(ROW_MARKER), inMetrics: metrics.includes(PROMPT_MARKER) || metrics.includes(ROW_MARKER) }).toEqual({
      promptInLogs: false,
      rowInLogs: false,
      inMetrics: false,
    });
  });

  it('a bad key stops `longhaul worker` at start with one line naming the variable, never the key', async () => {
    const short = randomBytes(16).toString('base64');
    const run = await runCli(['worker'], { env: { LONGHAUL_PAYLOAD_KEY: short, TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    expectOneLineError(run, 2, /^longhaul worker: invalid configuration: LONGHAUL_PAYLOAD_KEY: 16 bytes, expected 32/);
    expect(run.stderr).not.toContain(short);
  });
});
