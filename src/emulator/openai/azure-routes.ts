import type { EmulatorContext } from '../emulator-context';
import { Router, type RouteHandler } from '../http/router';
import type { Provider } from '../scenario';
import { registerBatchRoutes } from './batches';
import { registerFileRoutes } from './files';
import { registerSyncEndpoints } from './sync-endpoints';

/** Azure routes these two through the deployment named by the request's model. */
const DEPLOYMENT_PATHS: Readonly<Record<string, string>> = {
  '/v1/chat/completions': '/openai/deployments/:deployment/chat/completions',
  '/v1/embeddings': '/openai/deployments/:deployment/embeddings',
};

/** The paths the AzureOpenAI client uses (`<endpoint>/openai/...?api-version=...`). */
function azureClientPath(pattern: string): string {
  return DEPLOYMENT_PATHS[pattern] ?? pattern.replace(/^\/v1\//, '/openai/');
}

/** Azure's v1 surface (`<endpoint>/openai/v1/...`, for a plain OpenAI client with that baseURL). */
function azureV1Path(pattern: string): string {
  return pattern.replace(/^\/v1\//, '/openai/v1/');
}

/** Registers every route it is given on `target` under another path. */
class AliasRouter extends Router {
  constructor(private readonly target: Router, private readonly alias: (pattern: string) => string) {
    super();
  }

  override add(provider: Provider, method: string, pattern: string, handler: RouteHandler): this {
    this.target.add(provider, method, this.alias(pattern), handler);
    return this;
  }
}

/**
 * Azure OpenAI paths for the same OpenAI handlers (files, batches, chat/responses/embeddings): the state,
 * faults and inspection are the OpenAI ones (Azure batches are listed under `openai`). The `api-version`
 * query and the `api-key` header are accepted and ignored, as every key is. Endpoint faults match the path
 * that was called, so a fault for `/v1/batches/*` does not fire on `/openai/batches/*`.
 */
export function registerAzureRoutes(router: Router, emu: EmulatorContext): void {
  for (const alias of [azureClientPath, azureV1Path]) {
    const aliased = new AliasRouter(router, alias);
    registerFileRoutes(aliased, emu);
    registerBatchRoutes(aliased, emu);
    registerSyncEndpoints(aliased, emu);
  }
}
