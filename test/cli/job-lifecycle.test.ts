import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JobReport } from '../../src/report/job-report';
import type { ResultLine } from '../../src/results/result-line';
import { TICKET_SCHEMA, writeTicketsJsonl } from '../support/datasets';
import { startTestStack, type TestStack } from '../support/stack';
import { expectOneLineError, runCli } from './cli-process';

const UI = 'http://ui.example:8233';

/**
 * A job's whole life through the real `longhaul` binary against a real Temporal server, a worker and the
 * emulator: run from flags with --watch, status, results as JSONL and CSV, report as text, JSON and HTML,
 * reprocess with a changes file, watch of an ended job.
 */
describe('longhaul run / status / results / report / reprocess / watch', () => {
  let stack: TestStack;
  let env: NodeJS.ProcessEnv;
  let cli: (args: string[]) => ReturnType<typeof runCli>;
  const jobId = `cli-life-${Date.now().toString(36)}`;

  beforeAll(async () => {
    stack = await startTestStack();
    env = { LONGHAUL_TASK_QUEUE: stack.config.taskQueue, LONGHAUL_DATA_DIR: stack.dir, LONGHAUL_UI_URL: UI };
    cli = (args) => runCli([...args, '--address', stack.address], { env });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('runs a job from flags with --watch: id, UI address, progress, report; exit 0', async () => {
    const input = writeTicketsJsonl(stack.dir, 30);
    const schema = path.join(stack.dir, 'ticket.schema.json');
    writeFileSync(schema, JSON.stringify(TICKET_SCHEMA));
    const run = await cli(['run', '--input', input, '--id-field', 'id', '--model', 'gpt-4o-mini', '--system', 'Classify the ticket.', '--prompt', 'Subject: {{subject}}\n{{body}}', '--schema', schema, '--job-id', jobId, '--watch']);
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`Started job ${jobId}`);
    expect(run.stdout).toContain(`Temporal UI: ${UI}/namespaces/default/workflows/longhaul%2F${jobId}`);
    expect(run.stdout).toMatch(/\[█+\] 100% \| 30\/30 items/);
    expect(run.stdout).toMatch(new RegExp(`Job ${jobId} completed \\(generation 0`));
    expect(run.stdout).toContain('30 = 30 succeeded + 0 failed + 0 cancelled + 0 cached');
  });

  it('lists the job in status and shows its report in detail, as text and JSON', async () => {
    const [list, detail, json] = await Promise.all([cli(['status', '--limit', '50']), cli(['status', jobId]), cli(['status', jobId, '--json'])]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^JOB\s+STATUS\s+PROVIDER\/MODEL\s+ITEMS\s+OK\s+FAILED\s+STARTED\s+ENDED$/m);
    expect(list.stdout).toMatch(new RegExp(`^${jobId}\\s+completed\\s+openai/gpt-4o-mini\\s+30\\s+30\\s+0\\s+\\d{4}-`, 'm'));
    expect(detail.stdout).toContain(`Job ${jobId} completed`);
    expect(detail.stdout).toContain(`Temporal   ${UI}/namespaces/default/workflows/longhaul%2F${jobId}`);
    const report = JSON.parse(json.stdout) as JobReport;
    expect(report).toMatchObject({ jobId, status: 'completed', total: 30, counts: { succeeded: 30 } });
  });

  it('writes results as JSONL to stdout and as CSV to a file, one line per item in input order', async () => {
    const csvFile = path.join(stack.dir, 'results.csv');
    const [jsonl, csv] = await Promise.all([cli(['results', jobId]), cli(['results', jobId, '--out', csvFile])]);
    expect(jsonl.code).toBe(0);
    const lines = jsonl.stdout.trim().split('\n').map((l) => JSON.parse(l) as ResultLine);
    expect(lines.map((l) => l.line)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(lines.every((l) => l.state === 'succeeded' && typeof (l.output as { category?: unknown }).category === 'string')).toBe(true);
    expect(csv.code).toBe(0);
    expect(csv.stderr).toContain(`Wrote 30 results of job ${jobId} to ${csvFile} (csv)`);
    const rows = readFileSync(csvFile, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('id,line,state,reason,message,output,tier,round,tokens_in,tokens_out,cost_usd');
    expect(rows).toHaveLength(31);
    expect(rows[1]).toMatch(/^t-000000,1,succeeded,,,"\{""category""/);
  });

  it('prints the report as text and JSON, and writes it as an HTML page with charts', async () => {
    const htmlFile = path.join(stack.dir, 'report.html');
    const [text, json, html] = await Promise.all([cli(['report', jobId]), cli(['report', jobId, '--json']), cli(['report', jobId, '--html', htmlFile])]);
    expect(text.stdout).toMatch(/cost\s+\$\d/);
    expect((JSON.parse(json.stdout) as JobReport).files.results).toMatch(/results\.jsonl$/);
    expect(html.stdout).toContain(`Wrote the report of job ${jobId} to ${htmlFile}`);
    const page = readFileSync(htmlFile, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<h2>Time per shard</h2>');
    expect((page.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(3);
  });

  it('reprocesses all items with a changes file and follows the new generation to its report', async () => {
    const changes = path.join(stack.dir, 'changes.yaml');
    writeFileSync(changes, 'params:\n  temperature: 0.3\npolling: { initialSeconds: 0.2, maxSeconds: 1 }\n');
    const run = await cli(['reprocess', jobId, '--all', '--spec', changes, '--watch', '--json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`Job ${jobId} generation 1 \\(task version \\w+\\): 30 items queued, 0 answered from cache, 0 left as they were`));
    const report = JSON.parse(run.stdout) as JobReport;
    expect(report).toMatchObject({ jobId, generation: 1, status: 'completed', total: 30, counts: { succeeded: 30 } });
  });

  it('watches an ended job by printing its report at once; refuses to cancel it', async () => {
    const [watch, cancel] = await Promise.all([cli(['watch', jobId]), cli(['cancel', jobId])]);
    expect(watch.code).toBe(0);
    expect(watch.stdout).toContain(`Job ${jobId} completed (generation 1`);
    expectOneLineError(cancel, 1, new RegExp(`^longhaul cancel: job "${jobId}" has already ended \\(completed\\): nothing to cancel$`));
  });
});
