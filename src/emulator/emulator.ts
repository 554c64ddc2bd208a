import type { AddressInfo } from 'node:net';
import { registerAnthropicRoutes } from './anthropic/message-batches';
import { AnthropicBatchRunner } from './anthropic/batch-runner';
import { EmulatorClock } from './clock';
import { registerControlRoutes } from './control-routes';
import { recordAttempt } from './create-attempts';
import type { EmulatorContext } from './emulator-context';
import { Router } from './http/router';
import { createServer } from './http/server';
import { inspect, type Inspection } from './inspection';
import { OpenAIBatchRunner } from './openai/batch-runner';
import { registerAzureRoutes } from './openai/azure-routes';
import { registerBatchRoutes } from './openai/batches';
import { registerFileRoutes } from './openai/files';
import { registerSyncEndpoints } from './openai/sync-endpoints';
import type { ResolvedScenario, Scenario } from './scenario';
import { loadScenario, parseScenario } from './scenario-file';
import { StateStore } from './state-store';

/** Real milliseconds between two advances of the batch runners. */
const TICK_MS = 20;

export interface EmulatorOptions {
  /** TCP port; 0 or undefined picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** A scenario object, or the path of a JSON / YAML scenario file (default: no faults, speed 1000). */
  scenario?: Scenario | string;
  /** Persist state here so a restart resumes; in memory (blobs in a temp dir) when omitted. */
  dataDir?: string;
  /** Receives one line per request and per internal error (default: silent). */
  log?: (line: string) => void;
}

export interface EmulatorHandle {
  /** http://host:port */
  url: string;
  /** url + '/v1': pass as baseURL to `new OpenAI(...)`. */
  openaiBaseURL: string;
  /** url: pass as baseURL to `new Anthropic(...)`. */
  anthropicBaseURL: string;
  /** Replaces the given top-level scenario sections at run time (others are kept); resets fault counters. */
  setScenario(scenario: Scenario): void;
  /** The same data as GET /_emulator/inspect. */
  inspect(): Inspection;
  /** Stops the server (open connections are closed), lets running batch steps finish and saves state. */
  stop(): Promise<void>;
}

/**
 * Starts the provider emulator: OpenAI files/batches/chat/responses/embeddings and Anthropic
 * messages/message batches over HTTP, with the scenario's clock and faults. Throws ScenarioError for a bad
 * scenario and the listen error if the port is taken.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  let scenario: ResolvedScenario = loadScenario(options.scenario);
  const store = await StateStore.open(options.dataDir);
  const clock = new EmulatorClock(scenario.clock.speed, store.state.clock ?? undefined);
  store.state.clock = clock.timeline();
  await store.save();
  let url = '';
  const emu: EmulatorContext = { store, clock, scenario: () => scenario, baseUrl: () => url, log: options.log ?? (() => undefined) };

  const setScenario = (update: Scenario) => {
    scenario = parseScenario({ ...scenario, ...update });
    if (scenario.clock.speed !== clock.speed) clock.setSpeed(scenario.clock.speed);
    store.state.clock = clock.timeline();
    store.state.ruleHits = {};
    void store.save().catch((err: unknown) => emu.log(`emulator: saving state failed: ${String(err)}`));
  };

  const router = new Router();
  registerFileRoutes(router, emu);
  registerBatchRoutes(router, emu);
  registerSyncEndpoints(router, emu);
  registerAzureRoutes(router, emu);
  registerAnthropicRoutes(router, emu);
  registerControlRoutes(router, emu, setScenario);
  const server = createServer(router, emu, (method, pathname, fault) => {
    const provider = pathname === '/v1/batches' ? 'openai' : pathname === '/v1/messages/batches' ? 'anthropic' : undefined;
    // a delayed create still happens: the create route records its attempt
    if (method !== 'POST' || !provider || fault.action === 'delay') return;
    recordAttempt(emu, { provider, outcome: 'endpoint_fault', batchId: null, httpStatus: fault.action === 'status' ? fault.status : 0, metadata: null, model: null, message: `endpoint fault: ${fault.action}` });
  });

  const runners = [new OpenAIBatchRunner(emu), new AnthropicBatchRunner(emu)];
  const timer = setInterval(() => runners.forEach((runner) => runner.tick()), TICK_MS);
  timer.unref();

  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } catch (err) {
    clearInterval(timer);
    await store.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  emu.log(`emulator listening on ${url}`);

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    setScenario,
    inspect: () => inspect(emu),
    async stop() {
      clearInterval(timer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await Promise.all(runners.map((runner) => runner.close()));
      store.state.clock = clock.timeline();
      await store.close();
    },
  };
}
