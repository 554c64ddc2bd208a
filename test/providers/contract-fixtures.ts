import { createReadStream, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { emulatorAccounts } from '../../src/dev/embedded-stack';
import { startEmulator, type EmulatorHandle, type Scenario } from '../../src/emulator';
import type { BatchPhase, BatchProvider, BatchStatus, SubmitRequest } from '../../src/providers/batch-provider';
import { ProviderError, type ProviderErrorKind } from '../../src/providers/provider-error';
import { createProviderRegistry, type ProviderRegistry } from '../../src/providers/provider-registry';
import type { ItemResult } from '../../src/results/item-result';
import { OutputValidator } from '../../src/results/output-validator';
import { customIdOf } from '../../src/spec/ids';
import type { Endpoint, ProviderName } from '../../src/spec/job-spec';
import { LocalBlobStore } from '../../src/storage/local-blob-store';
import { TICKET_SCHEMA, ticket } from '../support/datasets';
import { tempDir } from '../support/temp-dirs';

/**
 * Jest runs each test file in its own realm, but `fetch` (undici) is the outer realm's: its AbortError is a
 * DOMException that fails the SDKs' `err instanceof Error`, so they report a client timeout as a generic
 * "Connection error." (outside jest they report APIConnectionTimeoutError; checked by hand with plain node).
 * Re-throwing the abort as this realm's Error lets the adapters see what production sees. Installed before
 * any client is built (the SDKs read globalThis.fetch at construction).
 */
function installRealmSafeFetch(): void {
  const outer = globalThis.fetch as typeof fetch & { realmSafe?: true };
  if (outer.realmSafe) return;
  const wrapped = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    try {
      return await outer(input, init);
    } catch (err) {
      if (err instanceof Error || (err as { name?: unknown })?.name !== 'AbortError') throw err;
      throw Object.assign(new Error((err as { message?: string }).message ?? 'aborted'), { name: 'AbortError' });
    }
  }) as typeof fetch & { realmSafe?: true };
  wrapped.realmSafe = true;
  globalThis.fetch = wrapped;
}
installRealmSafeFetch();

/** Emulated seconds per real second: a default batch (60 + 600 + 60 s) takes about 15 ms. */
export const FAST_SPEED = 50_000;

/** Every fault section back to none, the clock fast; a test then adds what it needs. */
export function scenario(update: Scenario = {}): Scenario {
  return {
    requestFaults: {}, batchFaults: [], createFaults: [], endpointFaults: [], quotas: {}, retrieveNotFoundSeconds: 0,
    timing: {}, limits: {}, flex: { latencyMs: 0 }, sync: {}, clock: { speed: FAST_SPEED },
    ...update,
  };
}

export const TICKET_OUTPUT = { name: 'ticket', schema: TICKET_SCHEMA as unknown as Record<string, unknown> };
export const ticketValidator = new OutputValidator(TICKET_OUTPUT);

/** An adapter built by the real registry from emulator accounts, with short client timeouts. */
export interface ContractRig {
  emulator: EmulatorHandle;
  registry: ProviderRegistry;
  provider: BatchProvider;
  blobs: LocalBlobStore;
  dir: string;
  /** One line per emulator request (`METHOD path status`), oldest first. */
  log: string[];
  stop(): Promise<void>;
}

export async function startRig(name: ProviderName, timeoutMs = 2_000): Promise<ContractRig> {
  const log: string[] = [];
  const emulator = await startEmulator({ scenario: scenario(), log: (line) => log.push(line) });
  const accounts = Object.fromEntries(
    Object.entries(emulatorAccounts(emulator)).map(([account, c]) => [account, { ...c, timeoutMs, flexTimeoutMs: timeoutMs }]),
  );
  const registry = createProviderRegistry(accounts);
  const dir = tempDir(`longhaul-contract-${name}-`);
  return {
    emulator,
    registry,
    provider: registry.get(name),
    blobs: new LocalBlobStore(path.join(dir, 'blobs')),
    dir,
    log,
    stop: () => emulator.stop(),
  };
}

let shardCounter = 0;

export interface ShardOptions {
  count: number;
  model: string;
  endpoint: Endpoint;
  schema?: boolean;
  /** First item index (tickets are deterministic by index). */
  from?: number;
  /** Replace the custom_id of some lines (validation faults). */
  customIds?: (seq: number) => string;
}

/** Writes a shard file the way the engine does (buildBody + batchLine) and describes it for submit. */
export function writeShard(rig: ContractRig, options: ShardOptions): SubmitRequest & { customIds: string[] } {
  const shardAttemptId = `contract-job/g0/r0/s${++shardCounter}`;
  const customIds: string[] = [];
  const lines: string[] = [];
  for (let seq = 0; seq < options.count; seq++) {
    const row = ticket((options.from ?? 0) + seq);
    const body = rig.provider.buildBody(
      { messages: [{ role: 'system', content: 'Classify the support ticket.' }, { role: 'user', content: `Subject: ${row.subject}\n\n${row.body}` }] },
      { model: options.model, endpoint: options.endpoint, params: {}, ...(options.schema ? { outputSchema: TICKET_OUTPUT } : {}) },
    );
    const customId = options.customIds?.(seq) ?? customIdOf(seq, 0, 0);
    customIds.push(customId);
    lines.push(rig.provider.batchLine(customId, JSON.stringify(body), options.endpoint));
  }
  const file = path.join(rig.dir, `shard-${shardCounter}.jsonl`);
  writeFileSync(file, lines.join('\n') + '\n');
  return {
    jobId: 'contract-job',
    shardAttemptId,
    endpoint: options.endpoint,
    model: options.model,
    requestCount: options.count,
    bytes: statSync(file).size,
    openInput: () => createReadStream(file),
    fileName: path.basename(file),
    customIds,
  };
}

/** Polls `retrieve` until `until` holds; returns the last status and every distinct phase seen, in order. */
export async function waitFor(
  provider: BatchProvider,
  batchId: string,
  until: (status: BatchStatus) => boolean = (s) => ['completed', 'failed', 'expired', 'cancelled'].includes(s.phase),
  timeoutMs = 10_000,
): Promise<{ status: BatchStatus; phases: BatchPhase[] }> {
  const phases: BatchPhase[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await provider.retrieve(batchId);
    if (phases[phases.length - 1] !== status.phase) phases.push(status.phase);
    if (until(status)) return { status, phases };
    if (Date.now() > deadline) throw new Error(`batch ${batchId} still ${status.phase} after ${timeoutMs} ms (seen: ${phases.join(' -> ')})`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export interface Downloaded {
  output: ItemResult[];
  errors: ItemResult[];
  /** Every downloaded line, parsed as JSON: proves the files hold one JSON object per line. */
  lines: unknown[];
}

/** Downloads a batch's files through the adapter into the blob store, then parses every line back. */
export async function download(rig: ContractRig, status: BatchStatus): Promise<Downloaded> {
  const key = (file: string) => `downloads/${status.batchId}/${file}`;
  const output = rig.blobs.createWriter(key('output.jsonl'));
  const errors = rig.blobs.createWriter(key('errors.jsonl'));
  await rig.provider.download(status, { output, errors });
  await output.close();
  await errors.close();
  const read = async (file: string): Promise<string[]> => {
    let text = '';
    for await (const chunk of rig.blobs.read(key(file))) text += String(chunk);
    if (text) expect(text.endsWith('\n')).toBe(true);
    return text.split('\n').filter(Boolean);
  };
  const out = await read('output.jsonl');
  const err = await read('errors.jsonl');
  return {
    output: out.map((line) => rig.provider.parseResultLine(line)),
    errors: err.map((line) => rig.provider.parseResultLine(line)),
    lines: [...out, ...err].map((line) => JSON.parse(line) as unknown),
  };
}

/** Awaits a rejection and checks it is a ProviderError of `kind`; returns it for further checks. */
export async function rejectsWith(promise: Promise<unknown>, kind: ProviderErrorKind): Promise<ProviderError> {
  const err = await promise.then(
    () => { throw new Error(`expected a ProviderError ${kind}, but the call succeeded`); },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  expect((err as ProviderError).kind).toBe(kind);
  return err as ProviderError;
}

/** How many results of each error kind (and `ok`). */
export function kinds(results: ItemResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const kind = r.ok ? 'ok' : r.error.kind;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}
