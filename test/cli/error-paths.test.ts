import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TemporalUnreachableError } from '../../src/client/client-errors';
import { createLonghaulClient } from '../../src/client/longhaul-client';
import { loadConfig } from '../../src/config/longhaul-config';
import { freePort } from '../../src/dev/free-port';
import { testAddress } from '../support/stack';
import { writeTicketsJsonl } from '../support/datasets';
import { tempDir } from '../support/temp-dirs';
import { expectOneLineError, runCli } from './cli-process';

/**
 * Bad input, end to end through real processes: one clear line on stderr, a documented exit code, never a
 * stack trace. The processes run side by side to keep the suite quick.
 */
describe('longhaul error paths', () => {
  const dir = tempDir('longhaul-cli-errors-');
  const env = { LONGHAUL_DATA_DIR: dir, LONGHAUL_TASK_QUEUE: 'cli-errors' };
  const address = () => ['--address', testAddress()];

  it('names the problem in one line with the right exit code', async () => {
    const tickets = writeTicketsJsonl(dir, 3);
    const badSpec = path.join(dir, 'bad.yaml');
    writeFileSync(badSpec, `dataset: { path: ${tickets} }\nmodel: gpt-4o-mini\nprompt: { messages: [{ role: user, content: "{{subject}}" }] }\nlimits: { shardsInFlight: 0 }\n`);
    const badChanges = path.join(dir, 'changes.yaml');
    writeFileSync(badChanges, 'jobId: renamed\nparams: { temperature: 0.1 }\n');
    const unreachable = `127.0.0.1:${await freePort()}`;

    const [unknownJob, invalidSpec, missingSpec, missingDataset, badFlag, badChangesRun, unknownResults, noServer, missingFlags, unknownModel, noWebhookSecret] = await Promise.all([
      runCli(['status', 'no-such-job', ...address()], { env }),
      runCli(['run', badSpec, ...address()], { env }),
      runCli(['run', path.join(dir, 'missing.yaml'), ...address()], { env }),
      runCli(['run', '--input', path.join(dir, 'missing.jsonl'), '--model', 'm', '--prompt', 'hi', ...address()], { env }),
      runCli(['status', '--bogus'], { env }),
      runCli(['reprocess', 'some-job', '--spec', badChanges, ...address()], { env }),
      runCli(['results', 'no-such-job', ...address()], { env }),
      runCli(['status', '--address', unreachable], { env }),
      runCli(['run', '--input', tickets], { env }),
      runCli(['run', '--input', tickets, '--model', 'no-such-model', '--prompt', '{{subject}}', ...address()], { env }),
      runCli(['webhooks', ...address()], { env }),
    ]);
    expectOneLineError(unknownJob, 3, /^longhaul status: no job "no-such-job"/);
    expectOneLineError(invalidSpec, 2, /^longhaul run: invalid job spec: limits\.shardsInFlight: /);
    expectOneLineError(missingSpec, 2, /^longhaul run: .*no such spec file: .*missing\.yaml/);
    expectOneLineError(missingDataset, 2, /^longhaul run: invalid job spec: dataset\.path: no such file: .*missing\.jsonl/);
    expectOneLineError(badFlag, 2, /^longhaul status: Unknown option '--bogus' \(see: longhaul status --help\)$/);
    expectOneLineError(badChangesRun, 2, /^longhaul reprocess: invalid reprocess changes: .*jobId/);
    expectOneLineError(unknownResults, 3, /^longhaul results: no job "no-such-job"/);
    expectOneLineError(noServer, 4, new RegExp(`^longhaul status: cannot reach the Temporal server at ${unreachable.replace(/\./g, '\\.')}`));
    // a hang would hit the 60 s guard; the connect itself gives up after 5 s (see the next test)
    expect(noServer.ms).toBeLessThan(40_000);
    expectOneLineError(missingFlags, 2, /^longhaul run: give a SPEC file, or --input, --model and --prompt \(missing --model, --prompt\)$/);
    expectOneLineError(unknownModel, 2, /^longhaul run: invalid job spec: model: unknown model "no-such-model": it has no price/);
    expectOneLineError(noWebhookSecret, 2, /^longhaul webhooks: set LONGHAUL_WEBHOOK_SECRET/);
  });

  it('refuses datasets and specs that could only fail later, before anything is sent', async () => {
    const tickets = writeTicketsJsonl(dir, 3, 'refusals.jsonl');
    const empty = path.join(dir, 'empty.jsonl');
    writeFileSync(empty, '\n  \n');
    const folder = path.join(dir, 'folder.jsonl');
    mkdirSync(folder, { recursive: true });
    const badSchema = path.join(dir, 'bad.schema.json');
    writeFileSync(badSchema, JSON.stringify({ type: 'object', required: 'a' }));
    const flags = (input: string, prompt = '{{subject}}') => ['--input', input, '--model', 'gpt-4o-mini', '--prompt', prompt];
    const [emptyRun, emptyPlan, folderRun, unclosed, notAField, schemaRun, schemaPlan] = await Promise.all([
      runCli(['run', ...flags(empty), ...address()], { env }),
      runCli(['plan', ...flags(empty)], { env }),
      runCli(['run', ...flags(folder), ...address()], { env }),
      runCli(['run', ...flags(tickets, 'Subject: {{subject'), ...address()], { env }),
      runCli(['plan', ...flags(tickets, 'About {{ the subject }}')], { env }),
      runCli(['run', ...flags(tickets), '--schema', badSchema, ...address()], { env }),
      runCli(['plan', ...flags(tickets), '--schema', badSchema], { env }),
    ]);
    expectOneLineError(emptyRun, 2, /^longhaul run: invalid job spec: dataset\.path: \S*empty\.jsonl has no items \(it is empty, or holds only blank lines or a CSV header\)$/);
    expectOneLineError(emptyPlan, 2, /^longhaul plan: invalid job spec: dataset\.path: \S*empty\.jsonl has no items/);
    expectOneLineError(folderRun, 2, /^longhaul run: invalid job spec: dataset\.path: \S*folder\.jsonl is a directory, not a file$/);
    expectOneLineError(unclosed, 2, /^longhaul run: invalid job spec: prompt\.messages\[0\]\.content: unclosed placeholder "\{\{subject" at character 10$/);
    expectOneLineError(notAField, 2, /^longhaul plan: invalid job spec: prompt\.messages\[0\]\.content: placeholder "\{\{ the subject \}\}" at character 7 is not a field name/);
    expectOneLineError(schemaRun, 2, /^longhaul run: invalid job spec: outputSchema\.schema: schema is invalid: data\/required must be array/);
    expectOneLineError(schemaPlan, 2, /^longhaul plan: invalid job spec: outputSchema\.schema: schema is invalid/);
  });

  it('gives up on an unreachable server within seconds', async () => {
    const unreachable = `127.0.0.1:${await freePort()}`;
    const started = Date.now();
    await expect(createLonghaulClient({ address: unreachable, config: loadConfig({}, { dataDir: dir }) })).rejects.toBeInstanceOf(TemporalUnreachableError);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('rejects an unknown command with the command list and exit 2', async () => {
    const run = await runCli(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^longhaul: unknown command "frobnicate"/);
    expect(run.stderr).toContain('Commands:');
  });
});
