import { unitDraw } from '../hashing';
import type { Provider, ResolvedScenario } from '../scenario';

/** How one batch request fails, if it does. */
export type RequestFault = 'invalid_request' | 'server_error' | 'rate_limit';

export interface RequestFate {
  fault: RequestFault | null;
  /** Answer, but break the schema (when the request has one). */
  breakSchema: boolean;
}

/**
 * The scenario's verdict on one batch request: drawn from hash(seed, provider, custom_id, submission number),
 * so the same submission always meets the same fate and a resubmission (submission + 1) draws again.
 */
export function requestFateFor(scenario: ResolvedScenario, provider: Provider, customId: string, submission: number): RequestFate {
  const rates = scenario.requestFaults;
  const draw = unitDraw(scenario.seed, 'request', provider, customId, submission);
  let fault: RequestFault | null = null;
  if (draw < rates.invalidRequestRate) fault = 'invalid_request';
  else if (draw < rates.invalidRequestRate + rates.serverErrorRate) fault = 'server_error';
  else if (draw < rates.invalidRequestRate + rates.serverErrorRate + rates.rateLimitRate) fault = 'rate_limit';
  const breakSchema = rates.brokenSchemaRate > 0 && unitDraw(scenario.seed, 'schema', provider, customId, submission) < rates.brokenSchemaRate;
  return { fault, breakSchema };
}
