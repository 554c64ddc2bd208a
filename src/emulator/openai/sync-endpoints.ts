import type { EmulatorContext } from '../emulator-context';
import { canonicalJson, unitDraw } from '../hashing';
import { ApiError, retryAfterHeaders } from '../http/api-error';
import { delay, readBody, sendJson } from '../http/http-io';
import type { Router } from '../http/router';
import { newId } from '../ids';
import { recordSyncRequest } from '../submissions';
import { executeOpenAIRequest } from './request-executors';
import { OPENAI_REQUEST_ENDPOINTS, type OpenAIRequestEndpoint } from './request-schemas';

/**
 * The synchronous request endpoints (chat/completions, responses, embeddings), answered by the same
 * deterministic model as batch lines (the service tier is not part of what is answered, so the same request
 * gets the same answer on every tier). `service_tier: "flex"` waits `flex.latencyMs` and, at
 * `flex.unavailableRate`, answers 429 `resource_unavailable` with retry-after headers.
 */
export function registerSyncEndpoints(router: Router, emu: EmulatorContext): void {
  for (const endpoint of OPENAI_REQUEST_ENDPOINTS) {
    router.add('openai', 'POST', endpoint, async ({ req, res }) => {
      const body = parseBody(await readBody(req));
      const scenario = emu.scenario();
      const model = typeof body.model === 'string' ? body.model : '';
      const tier = typeof body.service_tier === 'string' ? body.service_tier : 'default';
      recordSyncRequest(emu.store.state, 'openai', endpoint, model, tier);
      emu.store.saveSoon();
      const flex = tier === 'flex' && endpoint !== '/v1/embeddings';
      await delay(flex ? scenario.flex.latencyMs : scenario.sync.latencyMs);
      if (flex && flexUnavailable(emu, endpoint, model, body)) {
        throw new ApiError(429, 'rate_limit', 'Resource unavailable: flex processing capacity is exhausted. Please retry later or use the default service tier.',
          'resource_unavailable', null, retryAfterHeaders(scenario.flex.retryAfterSeconds));
      }
      // the tier changes the price and the wait, not the answer: the same request answers the same on every tier
      const { service_tier: _tier, ...request } = body;
      const execution = executeOpenAIRequest(endpoint as OpenAIRequestEndpoint, request, {
        nowSeconds: emu.clock.nowSeconds(),
        idFor: (kind) => newId(emu.store, kind),
        breakSchema: false,
        embeddingDimensions: scenario.model.embeddingDimensions,
      });
      sendJson(res, 200, execution.body);
    });
  }
}

function parseBody(raw: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below like any unparsable body
  }
  throw new ApiError(400, 'invalid_request', 'We could not parse the JSON body of your request.');
}

/** Drawn from the seed, the body and how many flex calls this key has had, so retries draw again. */
function flexUnavailable(emu: EmulatorContext, endpoint: string, model: string, body: unknown): boolean {
  const scenario = emu.scenario();
  const calls = emu.store.state.syncRequests[`openai ${endpoint} ${model} flex`] ?? 0;
  return unitDraw(scenario.seed, 'flex', canonicalJson(body), calls) < scenario.flex.unavailableRate;
}
