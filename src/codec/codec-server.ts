import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import { AesGcmPayloadCodec, PayloadKeyUnknownError, PayloadTamperedError } from './aes-gcm-payload-codec';
import type { PayloadKey } from './payload-keys';

/** Requests over this size are refused (413): the UI sends a page of payloads, each at most 2 MiB. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** The codec server contract's body: proto3 JSON of Payloads, every bytes field base64. */
const PayloadsBodySchema = z.object({
  payloads: z.array(z.object({ metadata: z.record(z.string(), z.base64()).nullish(), data: z.base64().nullish() })),
});

export interface CodecServerOptions {
  keys: readonly PayloadKey[];
  /** Default 127.0.0.1; 0 picks a free port. */
  host?: string;
  port?: number;
  /** Browser origins allowed by CORS (the Web UI's, e.g. http://localhost:8233); `*` allows any (no credentials). */
  origins: readonly string[];
  /** When set, /encode and /decode need `Authorization: Bearer <token>` (401 otherwise). */
  authToken?: string;
  /** One line per request that could not decode everything (unknown key id, tampered payload). */
  log?: (line: string) => void;
}

export interface CodecServer {
  readonly url: string;
  stop(): Promise<void>;
}

const toWire = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});
const fromWire = (p: z.infer<typeof PayloadsBodySchema>['payloads'][number]): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

class HttpRefusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new HttpRefusal(413, `body over ${MAX_BODY_BYTES} bytes`));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The codec server of the Temporal Web UI and CLI contract: `POST .../encode` and `POST .../decode` (also under a
 * prefix such as `/{namespace}/decode`, for the CLI's endpoint templating) take `{"payloads": [...]}` and answer
 * the same shape, encrypted with the first key of the ring or decrypted. A payload it cannot decrypt (a key id
 * the ring lacks, a failed authentication) comes back as it was, so the page still shows what it can; the
 * request is logged. CORS answers only the configured origins (preflight included) and allows the
 * `Authorization` and `X-Namespace` headers and credentials. 404 other paths, 405 other methods, 400 a body
 * that is not the contract's JSON, 401 a missing or wrong bearer token, 413 over 32 MiB.
 */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const codec = new AesGcmPayloadCodec(options.keys);
  const anyOrigin = options.origins.includes('*');
  const log = options.log ?? (() => undefined);

  const cors = (req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    if (!origin || !(anyOrigin || options.origins.includes(origin))) return;
    res.setHeader('Access-Control-Allow-Origin', anyOrigin ? '*' : origin);
    if (!anyOrigin) res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
    res.setHeader('Access-Control-Max-Age', '600');
    res.setHeader('Vary', 'Origin');
  };

  const decodeEach = async (payloads: Payload[]): Promise<Payload[]> => {
    const problems = new Set<string>();
    const decoded = await Promise.all(
      payloads.map(async (payload) => {
        try {
          return (await codec.decode([payload]))[0]!;
        } catch (err) {
          if (!(err instanceof PayloadKeyUnknownError || err instanceof PayloadTamperedError)) throw err;
          problems.add(err.message);
          return payload;
        }
      }),
    );
    if (problems.size > 0) log(`codec server: left payloads encrypted: ${[...problems].join('; ')}`);
    return decoded;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    cors(req, res);
    const route = /\/(encode|decode)\/?$/.exec(new URL(req.url ?? '/', 'http://codec').pathname)?.[1];
    if (!route) throw new HttpRefusal(404, 'not found: POST /encode or /decode');
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'POST') throw new HttpRefusal(405, 'use POST');
    if (options.authToken !== undefined) {
      const given = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
      if (!given || !sameSecret(given, options.authToken)) throw new HttpRefusal(401, 'missing or wrong Authorization: Bearer token');
    }
    let body: z.infer<typeof PayloadsBodySchema>;
    try {
      body = PayloadsBodySchema.parse(JSON.parse(await readBody(req)));
    } catch (err) {
      if (err instanceof HttpRefusal) throw err;
      throw new HttpRefusal(400, 'expected {"payloads": [{"metadata": {...base64}, "data": base64}]}');
    }
    const payloads = body.payloads.map(fromWire);
    const out = route === 'encode' ? await codec.encode(payloads) : await decodeEach(payloads);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ payloads: out.map(toWire) }));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpRefusal ? err.status : 500;
      if (status === 500) log(`codec server: ${(err as Error).message}`);
      if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: err instanceof HttpRefusal ? err.message : 'internal error' }));
      req.resume();
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${shown}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The origins a Web UI at `uiUrl` is reached under: as given, and its localhost / 127.0.0.1 twin. */
export function uiOrigins(uiUrl: string): string[] {
  const origin = new URL(uiUrl).origin;
  const twin = origin.includes('//localhost') ? origin.replace('//localhost', '//127.0.0.1') : origin.includes('//127.0.0.1') ? origin.replace('//127.0.0.1', '//localhost') : undefined;
  return twin ? [origin, twin] : [origin];
}
