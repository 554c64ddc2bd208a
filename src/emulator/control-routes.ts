import type { EmulatorContext } from './emulator-context';
import { ApiError } from './http/api-error';
import { readBody, sendJson } from './http/http-io';
import type { Router } from './http/router';
import { inspect } from './inspection';
import type { Scenario } from './scenario';
import { ScenarioError } from './scenario-file';

/**
 * The emulator's own endpoints: `GET /_emulator/inspect` (the Inspection object) and
 * `POST /_emulator/scenario` (body: scenario JSON; its top-level sections replace the current ones).
 */
export function registerControlRoutes(router: Router, emu: EmulatorContext, setScenario: (s: Scenario) => void): void {
  router.add('openai', 'GET', '/_emulator/inspect', async ({ res }) => {
    sendJson(res, 200, inspect(emu));
  });
  router.add('openai', 'POST', '/_emulator/scenario', async ({ req, res }) => {
    let update: unknown;
    try {
      update = JSON.parse((await readBody(req)).toString('utf8') || '{}');
    } catch {
      throw new ApiError(400, 'invalid_request', 'The scenario body is not valid JSON.');
    }
    try {
      setScenario(update as Scenario);
    } catch (err) {
      if (err instanceof ScenarioError) throw new ApiError(400, 'invalid_request', err.message);
      throw err;
    }
    sendJson(res, 200, { ok: true, scenario: emu.scenario() });
  });
}
