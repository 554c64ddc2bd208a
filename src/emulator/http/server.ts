import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { ResponseAbandoned } from '../create-attempts';
import type { EmulatorContext } from '../emulator-context';
import { endpointFaultFor } from '../faults/endpoint-faults';
import { freshId } from '../ids';
import type { EndpointFault, Provider } from '../scenario';
import { ApiError, errorBodyFor, kindOfStatus, retryAfterHeaders } from './api-error';
import { sendJson } from './http-io';
import { requestOrigin } from './request-origin';
import { providerOfPath, requestIdHeader, type Router } from './router';

/** Called when an endpoint fault fires, before it is applied (inspection records faulted creates). */
export type EndpointFaultListener = (method: string, pathname: string, fault: EndpointFault) => void;

/**
 * The HTTP server: applies the scenario's endpoint faults, routes, and turns every error into the error
 * format of the provider whose path was called. Control paths (`/_emulator/...`) are never faulted.
 * It is the one place request ids are made: every answer, errors and faults included, carries one in the
 * header the path's provider uses (`x-request-id`, Anthropic `request-id`), and an Anthropic error body
 * repeats it as `request_id`. The `Date` header is Node's own, the wall clock when the answer is written:
 * the clock every timestamp the emulator reports is on (see EmulatorClock).
 */
export function createServer(router: Router, emu: EmulatorContext, onFault: EndpointFaultListener): http.Server {
  return http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      emu.log(`emulator: unhandled ${(err as Error).stack ?? String(err)}`);
      res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const provider = providerOfPath(url.pathname);
    const requestId = freshId('req');
    res.setHeader(requestIdHeader(provider), requestId);
    res.on('finish', () => emu.log(`${method} ${url.pathname} ${res.statusCode}`));
    try {
      if (!url.pathname.startsWith('/_emulator/')) {
        const fault = endpointFaultFor(emu.scenario(), emu.store.state.ruleHits, method, url.pathname);
        if (fault) {
          emu.log(`fault ${fault.action} ${method} ${url.pathname}`);
          onFault(method, url.pathname, fault);
          emu.store.saveSoon();
          if (fault.action !== 'delay') return applyFault(fault, req, res, provider, requestId);
          await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
        }
      }
      const match = router.match(method, url.pathname);
      if (match === 'method_not_allowed') throw new ApiError(405, 'invalid_request', `Method ${method} not allowed on ${url.pathname}.`);
      if (!match) throw new ApiError(404, 'not_found', `Unknown request URL: ${method} ${url.pathname}.`);
      const origin = requestOrigin(req, emu.baseUrl());
      await match.route.handler({ req, res, params: match.params, query: url.searchParams, provider: match.route.provider, origin, requestId });
    } catch (err) {
      if (err instanceof ResponseAbandoned) return;
      const error = err instanceof ApiError ? err : new ApiError(500, 'server', 'The emulator had an internal error.', 'server_error');
      if (!(err instanceof ApiError)) emu.log(`emulator: ${method} ${url.pathname}: ${(err as Error).stack ?? String(err)}`);
      if (res.headersSent) return void res.destroy();
      // The body may be unread (early refusal): close rather than leave the connection in a bad state.
      sendJson(res, error.status, errorBodyFor(provider, error, requestId), { ...withRetryAfter(error.status, error.headers), connection: 'close' });
    }
  }

  function applyFault(fault: EndpointFault, req: IncomingMessage, res: ServerResponse, provider: Provider, requestId: string): void {
    if (fault.action === 'hang') return; // never answered: the client times out; stop() closes the socket
    if (fault.action === 'close') return void req.socket.destroy();
    const headers = withRetryAfter(fault.status, fault.retryAfterSeconds !== undefined ? retryAfterHeaders(fault.retryAfterSeconds) : {});
    const message = fault.message ?? `Scripted fault: HTTP ${fault.status}.`;
    const error = new ApiError(fault.status, kindOfStatus(fault.status), message, fault.code ?? null, null, headers);
    sendJson(res, fault.status, errorBodyFor(provider, error, requestId), { ...headers, connection: 'close' });
  }
}

/** Every 429 carries retry-after / retry-after-ms (1 s unless the error set its own), as the real APIs do. */
function withRetryAfter(status: number, headers: Record<string, string>): Record<string, string> {
  return status === 429 && !headers['retry-after'] ? { ...retryAfterHeaders(1), ...headers } : headers;
}
