import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import OpenAI from 'openai';
import type { CliContext } from '../../src/cli/cli-command';
import { CliError } from '../../src/cli/cli-command';
import { allCommands } from '../../src/cli/commands';
import { emulatorCommand } from '../../src/cli/commands/emulator';
import { startEmulator } from '../../src/emulator';
import { tempDir } from '../support/temp-dirs';

function context(values: CliContext['values']): { ctx: CliContext; output: () => string; stop: () => void } {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  let stop = () => undefined as void;
  const interrupted = new Promise<void>((resolve) => (stop = resolve));
  return { ctx: { values, positionals: [], stdout, stderr: new PassThrough(), interrupted }, output: () => text, stop };
}

async function waitFor(predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('longhaul emulator', () => {
  const dir = tempDir('longhaul-emulator-cli-');

  it('is registered, prints both base URLs, serves until interrupted and exits 0', async () => {
    expect(allCommands()).toContain(emulatorCommand);
    const scenarioFile = path.join(dir, 'scenario.yaml');
    writeFileSync(scenarioFile, 'seed: cli\nclock:\n  speed: 50\nflex:\n  unavailableRate: 1\n');
    const { ctx, output, stop } = context({ scenario: scenarioFile, speed: '7200', 'data-dir': path.join(dir, 'state') });
    const exit = emulatorCommand.run(ctx);
    await waitFor(() => output().includes('Anthropic base URL'));
    const baseURL = /OpenAI base URL:\s+(\S+)/.exec(output())?.[1] as string;
    expect(output()).toMatch(/Anthropic base URL:\s+http:\/\/127\.0\.0\.1:\d+\n/);
    expect(output()).toContain('clock x7200');
    const client = new OpenAI({ apiKey: 'test', baseURL, maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).resolves.toMatchObject({ object: 'chat.completion' });
    await expect(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], service_tier: 'flex' })).rejects.toMatchObject({ status: 429 });
    const inspection = (await fetch(`${baseURL.replace(/\/v1$/, '')}/_emulator/inspect`).then((r) => r.json())) as { clock: { speed: number } };
    expect(inspection.clock.speed).toBe(7200);
    stop();
    await expect(exit).resolves.toBe(0);
    expect(output()).toContain('emulator stopped');
    await expect(fetch(`${baseURL}/batches`)).rejects.toThrow();
  });

  it('refuses a bad scenario file or flag with a one-line error', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ clock: { speed: 'fast' } }));
    await expect(emulatorCommand.run(context({ scenario: bad }).ctx)).rejects.toThrow(CliError);
    await expect(emulatorCommand.run(context({ scenario: bad }).ctx)).rejects.toThrow(/clock\.speed/);
    await expect(emulatorCommand.run(context({ port: 'abc' }).ctx)).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('startEmulator', () => {
  it('rejects when the port is taken, and accepts a scenario file path', async () => {
    const dir = tempDir('longhaul-emulator-port-');
    const file = path.join(dir, 'scenario.json');
    writeFileSync(file, JSON.stringify({ clock: { speed: 42 } }));
    const first = await startEmulator({ scenario: file });
    try {
      expect(first.inspect().clock.speed).toBe(42);
      const port = Number(new URL(first.url).port);
      await expect(startEmulator({ port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.stop();
    }
  });
});
