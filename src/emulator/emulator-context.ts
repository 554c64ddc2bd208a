import type { EmulatorClock } from './clock';
import type { ResolvedScenario } from './scenario';
import type { StateStore } from './state-store';

/** What every handler and runner shares: the state, the emulated clock and the scenario in force. */
export interface EmulatorContext {
  store: StateStore;
  clock: EmulatorClock;
  /** The scenario in force right now (it may be replaced at run time). */
  scenario(): ResolvedScenario;
  /** The listen address as a URL (http://host:port): the origin of handed-out URLs only for a request without a usable Host. */
  baseUrl(): string;
  log(line: string): void;
}
