import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Provider } from '../scenario';

/** What a handler gets: the raw request and response, path parameters and the query string. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  provider: Provider;
  /** The origin the client called (`scheme://host[:port]`), for URLs handed out in answers. */
  origin: string;
  /** This request's id; the HTTP layer already sends it (x-request-id / request-id) on every answer. */
  requestId: string;
}

export type RouteHandler = (ctx: RouteContext) => Promise<void>;

interface Route {
  provider: Provider;
  method: string;
  segments: string[];
  handler: RouteHandler;
}

export type RouteMatch = { route: Route; params: Record<string, string> };

/** Method + path routing with `:name` segments; no framework. */
export class Router {
  private readonly routes: Route[] = [];

  add(provider: Provider, method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ provider, method, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  /** The route for method + path, `method_not_allowed` when only the path matches, else undefined. */
  match(method: string, pathname: string): RouteMatch | 'method_not_allowed' | undefined {
    const parts = pathname.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method) return { route, params };
      pathMatched = true;
    }
    return pathMatched ? 'method_not_allowed' : undefined;
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of pattern.entries()) {
    const part = parts[i] as string;
    if (segment.startsWith(':')) params[segment.slice(1)] = decodeURIComponent(part);
    else if (segment !== part) return undefined;
  }
  return params;
}

/** Which provider's error format (and request-id header) a path speaks, also when no route matched. */
export function providerOfPath(pathname: string): Provider {
  return pathname.startsWith('/v1/messages') || pathname.startsWith('/v1/complete') ? 'anthropic' : 'openai';
}

/** The response header that carries the request id, as each provider names it. */
export function requestIdHeader(provider: Provider): string {
  return provider === 'anthropic' ? 'request-id' : 'x-request-id';
}
