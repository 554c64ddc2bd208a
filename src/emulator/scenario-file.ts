import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { ScenarioSchema, type ResolvedScenario, type Scenario } from './scenario';

/** A scenario that failed to parse: names the source and every bad path. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/**
 * Parses a scenario object, or reads one from a `.json`, `.yaml` or `.yml` file. Throws ScenarioError
 * with the path and reason of each problem.
 */
export function loadScenario(source: Scenario | string | undefined): ResolvedScenario {
  if (typeof source !== 'string') return parseScenario(source ?? {}, 'scenario');
  let raw: unknown;
  try {
    const text = readFileSync(source, 'utf8');
    raw = /\.ya?ml$/i.test(source) ? YAML.parse(text) : JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`cannot read scenario ${source}: ${(err as Error).message}`);
  }
  return parseScenario(raw ?? {}, source);
}

/** Parses a scenario; `label` names it in errors. */
export function parseScenario(raw: unknown, label = 'scenario'): ResolvedScenario {
  const parsed = ScenarioSchema.safeParse(raw);
  if (!parsed.success) throw new ScenarioError(`${label}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * Applies an update: each top-level section given replaces the current one, sections left out are kept
 * (so flipping `requestFaults` mid-test keeps the clock speed).
 */
export function mergeScenario(current: Scenario, update: Scenario): Scenario {
  return { ...current, ...update };
}
