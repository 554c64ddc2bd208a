import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@temporalio/client';
import OpenAI, { InvalidWebhookSignatureError } from 'openai';
import { ProviderError } from '../providers/provider-error';
import type { ProviderRegistry } from '../providers/provider-registry';
import type { ProviderName } from '../spec/job-spec';
import { endedBatchId, WebhookEventSchema } from './batch-webhook-event';
import { createShardWaker, type WakeOutcome } from './shard-waker';

/** Webhook payloads are small JSON events; anything bigger is refused unread. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface WebhookReceiverOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to listen on (default 127.0.0.1; put a TLS proxy in front for the internet). */
  host?: string;
  /** Path the provider posts to (default `/webhooks/openai`). */
  path?: string;
  /** The endpoint's signing secret from the provider's dashboard (`whsec_...`). */
  secret: string;
  /** Oldest and newest `webhook-timestamp` accepted, in seconds from now (default 300, as the SDK). */
  toleranceSeconds?: number;
  client: Client;
  providers: ProviderRegistry;
  /** Namespace of the shard workflows; the client's own when omitted. */
  namespace?: string;
  /** Whose batches the events are about (default `openai`), read through this account. */
  provider?: ProviderName;
  account?: string;
  /** One line per delivery (default: silent). */
  log?: (line: string) => void;
}

export interface WebhookReceiver {
  /** The full URL to register at the provider (behind your proxy's public address). */
  url: string;
  port: number;
  /** Stops accepting deliveries and closes open connections. */
  stop(): Promise<void>;
}

class HttpRefusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) throw new HttpRefusal(413, 'payload too large');
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_BODY_BYTES) throw new HttpRefusal(413, 'payload too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
  return headers;
}

/**
 * An HTTP endpoint for OpenAI batch webhooks (`batch.completed`, `batch.failed`, `batch.expired`,
 * `batch.cancelled`) that wakes the shard waiting for the batch, so a job reacts at once instead of at its
 * next poll. Each delivery is verified as OpenAI's webhook spec (Standard Webhooks) describes, with the
 * `openai` SDK: HMAC-SHA256 over `webhook-id.webhook-timestamp.body` with the `whsec_` secret, the timestamp
 * within `toleranceSeconds`. Answers:
 *   400 missing webhook headers or an unreadable payload, 401 a bad signature or timestamp (nothing is
 *   signalled in either case); 404 / 405 wrong path or method; 413 over 1 MiB;
 *   200 signalled, or acknowledged without action (other event types, batches that are not ours, shards
 *   already closed: logged);
 *   503 when the batch or Temporal could not be reached: the sender delivers again later.
 * A webhook only wakes a shard; the shard's own poll decides what happened, so a replayed or forged-but-
 * signed event can at worst cause one extra poll.
 */
export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  if (!options.secret) throw new Error('the webhook receiver needs the signing secret (whsec_...)');
  const path = options.path ?? '/webhooks/openai';
  const log = options.log ?? (() => undefined);
  const tolerance = options.toleranceSeconds ?? 300;
  const verifier = new OpenAI({ apiKey: 'webhook-verification-only', webhookSecret: options.secret, maxRetries: 0 });
  const client = options.namespace && options.namespace !== options.client.options.namespace
    ? new Client({ connection: options.client.connection, namespace: options.namespace, dataConverter: options.client.options.dataConverter })
    : options.client;
  const wake = createShardWaker({ client, providers: options.providers, ...(options.provider ? { provider: options.provider } : {}), ...(options.account ? { account: options.account } : {}) });

  const verified = async (req: IncomingMessage) => {
    const body = await readBody(req);
    try {
      await verifier.webhooks.verifySignature(body, headersOf(req), options.secret, tolerance);
    } catch (err) {
      throw new HttpRefusal(err instanceof InvalidWebhookSignatureError ? 401 : 400, (err as Error).message);
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new HttpRefusal(400, 'the payload is not JSON');
    }
    const event = WebhookEventSchema.safeParse(json);
    if (!event.success) throw new HttpRefusal(400, `not a webhook event: ${event.error.issues[0]?.path.join('.') ?? ''} ${event.error.issues[0]?.message ?? ''}`.trim());
    return event.data;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://receiver');
    if (url.pathname !== path) return send(res, 404, { ok: false, message: 'not found' });
    if (req.method !== 'POST') return send(res, 405, { ok: false, message: 'POST only' });
    try {
      const event = await verified(req);
      const batchId = endedBatchId(event);
      if (!batchId) {
        log(`webhook ${event.id}: ${event.type} ignored`);
        return send(res, 200, { ok: true, result: 'ignored' });
      }
      const outcome: WakeOutcome = await wake(batchId);
      log(`webhook ${event.id}: ${event.type} ${batchId}: ${outcome.result}${'workflowId' in outcome ? ` ${outcome.workflowId}` : ''}`);
      send(res, 200, { ok: true, ...outcome });
    } catch (err) {
      if (err instanceof HttpRefusal) {
        log(`webhook refused (${err.status}): ${err.message}`);
        return send(res, err.status, { ok: false, message: err.message });
      }
      const retryable = !(err instanceof ProviderError) || err.retryable;
      log(`webhook failed: ${(err as Error).message}`);
      send(res, retryable ? 503 : 500, { ok: false, message: (err as Error).message });
    }
  };

  const server = http.createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}${path}`,
    port,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
