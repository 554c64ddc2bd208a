import path from 'node:path';
import { loadSpecFile } from '../../client/spec-file';
import { projectRoot } from '../../dev/project-root';
import type { CliCommand } from '../cli-command';
import { reportText } from '../report-text';
import { watchJob } from '../watch-job';

/**
 * `longhaul demo`: the embedded stack (Temporal dev server with its Web UI, the provider emulator, a
 * worker) runs the support-ticket example end to end, then prints where everything is. It says, before the
 * job and with its report, that the answers come from the local emulator's deterministic stand-in for a
 * model, so nobody mistakes them for a model's.
 */

/** Printed before the job and after its report. */
export const EMULATED_ANSWERS_NOTE = 'The answers come from the local provider emulator, not from a model: a deterministic stand-in that labels and summarizes each ticket from its own words, so the demo runs without an API key.';
export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'Run the example job on the embedded stack (dev server + emulator + worker); the answers are emulated',
  usage: '[--data-dir DIR] [--keep | --no-keep]',
  help: [
    '  --data-dir DIR   where the stack keeps its state (default ./.longhaul)',
    '  --keep           keep the Temporal server and its Web UI up after the job, until Ctrl-C (default on a terminal)',
    '  --no-keep        stop everything once the job has ended (default when not on a terminal)',
  ].join('\n'),
  options: { 'data-dir': { type: 'string' }, keep: { type: 'boolean' }, 'no-keep': { type: 'boolean' } },
  // stops on ctx.interrupted and cleans up (see main's interruption)
  handlesInterruption: true,
  async run(ctx) {
    const out = ctx.stdout;
    const dataDir = path.resolve((ctx.values['data-dir'] as string | undefined) ?? '.longhaul');
    const keep = ctx.values['no-keep'] ? false : (ctx.values.keep as boolean | undefined) ?? Boolean((out as { isTTY?: boolean }).isTTY);
    out.write(`Starting the embedded stack in ${dataDir} (Temporal dev server, provider emulator, worker)...\n`);
    // loaded on use: `longhaul --help` and the client commands stay quick to start
    const { startEmbeddedStack } = await import('../../dev/embedded-stack.js');
    const { createLonghaulClient } = await import('../../client/longhaul-client.js');
    const stack = await startEmbeddedStack({ dataDir });
    try {
      out.write(`Temporal ${stack.address}, Web UI ${stack.uiUrl}\n`);
      const client = await createLonghaulClient({ address: stack.address, config: stack.config, ...(stack.uiUrl ? { uiUrl: stack.uiUrl } : {}) });
      const { spec, baseDir } = loadSpecFile(path.join(projectRoot(), 'examples', 'support-tickets', 'spec.json'));
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
      const job = await client.start({ ...spec, jobId: `demo-${stamp}` }, { baseDir });
      out.write(`Job ${job.jobId}: 3,000 support tickets -> ${spec.model} (batch API on the emulator)\n`);
      out.write(`${EMULATED_ANSWERS_NOTE}\n`);
      if (job.uiUrl) out.write(`Watch it in the Temporal UI: ${job.uiUrl}\n`);
      const report = await watchJob(job, out, ctx.interrupted);
      if (!report) {
        out.write('Interrupted: the job is safe in Temporal; run `npm run demo` again or `npx longhaul dev` to resume it.\n');
        return 130;
      }
      out.write(`\n${reportText(report)}\n\n`);
      out.write(`${EMULATED_ANSWERS_NOTE} For a model's answers, run the same spec against a provider account.\n`);
      out.write(`Temporal UI: ${job.uiUrl ?? stack.uiUrl}\n`);
      out.write(`List jobs:   temporal workflow list --address ${stack.address} --query "WorkflowType='batchJobWorkflow'"\n`);
      await client.close();
      if (keep) {
        out.write('The Temporal server and its Web UI stay up: press Ctrl-C to stop. Meanwhile, in another terminal:\n');
        out.write(`  npx longhaul report ${job.jobId} --html report.html --address ${stack.address}\n`);
        out.write(`  npx longhaul results ${job.jobId} --out results.csv --address ${stack.address}\n`);
        await ctx.interrupted;
      } else {
        out.write('Stopped the stack. `npx longhaul dev` starts it again with this job in the UI.\n');
      }
      return report.status === 'completed' ? 0 : 1;
    } finally {
      await stack.stop();
    }
  },
};
