import type { EmulatorClock } from './clock';
import type { ResolvedScenario } from './scenario';
import type { StateStore } from './state-store';

/** What every handler and runner shares: the state, the emulated clock and the scenario in force. */
export interface EmulatorContext {
  store: StateStore;
  clock: EmulatorClock;
  /** The scenario in force right now (it may be replaced at run time). */
  scenario(): ResolvedScenario;
  /** The server's own base URL (http://host:port), for URLs it hands out (Anthropic results_url). */
  baseUrl(): string;
  log(line: string): void;
}
