import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../../src/codec/aes-gcm-payload-codec';
import { startCodecServer, type CodecServer } from '../../src/codec/codec-server';
import type { PayloadKey } from '../../src/codec/payload-keys';
import { startEmbeddedStack, type EmbeddedStack } from '../../src/dev/embedded-stack';
import { expectOneLineError, runCli, startCli } from '../cli/cli-process';
import { tempDir } from '../support/temp-dirs';

const ring: PayloadKey[] = [{ id: 'new', key: randomBytes(32).toString('base64') }, { id: 'old', key: randomBytes(32).toString('base64') }];
const UI = 'http://localhost:8233';
const TOKEN = 'codec-token-3e1c';

/** A payload as the codec server contract carries it: proto3 JSON, bytes as base64. */
function wire(value: unknown) {
  const p = defaultPayloadConverter.toPayload(value);
  return { metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(p.data ?? []).toString('base64') };
}
function valueOf(p: { metadata: Record<string, string>; data: string }): unknown {
  return defaultPayloadConverter.fromPayload({ metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])), data: Buffer.from(p.data, 'base64') });
}

describe('longhaul codec server (the Temporal UI / CLI contract)', () => {
  let server: CodecServer;
  const logged: string[] = [];
  beforeAll(async () => {
    server = await startCodecServer({ keys: ring, origins: [UI, 'http://127.0.0.1:8233'], authToken: TOKEN, log: (line) => logged.push(line) });
  });
  afterAll(async () => {
    await server.stop();
  });
  const post = (route: string, body: unknown, headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` }) =>
    fetch(`${server.url}${route}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', Origin: UI, ...headers }, body: JSON.stringify(body) });

  it('encodes with the first key and decodes with any key of the ring, also under a namespace prefix', async () => {
    const encoded = (await (await post('/encode', { payloads: [wire({ prompt: 'hello' }), wire(42)] })).json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    expect(encoded.payloads.map((p) => Buffer.from(p.metadata['encryption-key-id']!, 'base64').toString())).toEqual(['new', 'new']);
    const fromOldKey = await new AesGcmPayloadCodec([ring[1]!]).encode([defaultPayloadConverter.toPayload('under the old key')]);
    const oldWire = { metadata: Object.fromEntries(Object.entries(fromOldKey[0]!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(fromOldKey[0]!.data!).toString('base64') };
    const res = await post('/default/decode', { payloads: [...encoded.payloads, oldWire] });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    const decoded = (await res.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    expect(decoded.payloads.map(valueOf)).toEqual([{ prompt: 'hello' }, 42, 'under the old key']);
  });

  it('leaves a payload of an unknown key encrypted (the page still shows the rest) and logs why', async () => {
    const other = await new AesGcmPayloadCodec([{ id: 'elsewhere', key: randomBytes(32).toString('base64') }]).encode([defaultPayloadConverter.toPayload('secret')]);
    const foreign = { metadata: Object.fromEntries(Object.entries(other[0]!.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])), data: Buffer.from(other[0]!.data!).toString('base64') };
    const res = await post('/decode', { payloads: [foreign, wire('plain')] });
    const body = (await res.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
    expect(body.payloads[0]).toEqual(foreign);
    expect(valueOf(body.payloads[1]!)).toBe('plain');
    expect(logged.join('\n')).toContain('key id elsewhere');
  });

  it('answers the CORS preflight for the UI origin only, and allows the Authorization and X-Namespace headers', async () => {
    const preflight = (origin: string) => fetch(`${server.url}/decode`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace,authorization' } });
    const ok = await preflight('http://127.0.0.1:8233');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/Authorization.*Content-Type.*X-Namespace/);
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a missing or wrong token (401), other paths (404) and methods (405), and bodies off the contract (400)', async () => {
    expect((await post('/decode', { payloads: [] }, {})).status).toBe(401);
    expect((await post('/decode', { payloads: [] }, { Authorization: 'Bearer nope' })).status).toBe(401);
    expect((await post('/decode', { payloads: [] })).status).toBe(200);
    expect((await post('/other', { payloads: [] })).status).toBe(404);
    expect((await fetch(`${server.url}/decode`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
    expect((await post('/decode', { nope: 1 })).status).toBe(400);
    expect((await post('/decode', { payloads: [{ data: '***' }] })).status).toBe(400);
  });
});

describe('longhaul dev with a payload key', () => {
  let stack: EmbeddedStack | undefined;
  afterAll(async () => {
    await stack?.stop();
  });

  it("starts a codec server of its own and points the Web UI at it (the UI's settings name it; CORS admits the UI)", async () => {
    const dataDir = tempDir('longhaul-codec-dev-');
    stack = await startEmbeddedStack({ dataDir, temporalPort: 0, uiPort: 0, emulator: false, worker: false, env: { LONGHAUL_PAYLOAD_KEY: ring[0]!.key } });
    expect(stack.codecUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const settings = (await (await fetch(`${stack.uiUrl}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
    expect(settings.Codec?.Endpoint).toBe(stack.codecUrl);
    const preflight = await fetch(`${stack.codecUrl}/decode`, { method: 'OPTIONS', headers: { Origin: new URL(stack.uiUrl!).origin, 'Access-Control-Request-Method': 'POST' } });
    expect(preflight.headers.get('access-control-allow-origin')).toBe(new URL(stack.uiUrl!).origin);
  });
});

describe('the longhaul codec-server command', () => {
  it('refuses to start without a key, and beyond loopback without a token, with one line each', async () => {
    const [noKey, open] = await Promise.all([
      runCli(['codec-server'], { env: { LONGHAUL_PAYLOAD_KEY: '', LONGHAUL_PAYLOAD_KEY_FILE: '' } }),
      runCli(['codec-server', '--host', '0.0.0.0', '--port', '0'], { env: { LONGHAUL_PAYLOAD_KEY: ring[0]!.key, LONGHAUL_CODEC_AUTH_TOKEN: '' } }),
    ]);
    expectOneLineError(noKey, 2, /^longhaul codec-server: no payload key: set LONGHAUL_PAYLOAD_KEY/);
    expectOneLineError(open, 2, /^longhaul codec-server: refusing to serve decrypted payloads on 0\.0\.0\.0 without --auth-token/);
  });

  it('serves the ring from the environment with the token from LONGHAUL_CODEC_AUTH_TOKEN, and stops on SIGTERM', async () => {
    const file = `${ring[0]!.id}:${ring[0]!.key}\n${ring[1]!.id}:${ring[1]!.key}`;
    const server = await startCli(['codec-server', '--port', '0', '--ui-origin', 'http://ui.example:8080'], /ready: http:\/\/\S+/, {
      env: { LONGHAUL_PAYLOAD_KEY: file, LONGHAUL_CODEC_AUTH_TOKEN: TOKEN },
    });
    try {
      expect(server.stdout()).toMatch(/key ids new, old; encrypts with new\), CORS for http:\/\/ui\.example:8080, bearer token required/);
      const url = /ready: (http:\/\/\S+)/.exec(server.stdout())![1]!;
      const post = (auth: string) => fetch(`${url}/encode`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: auth }, body: JSON.stringify({ payloads: [wire('x')] }) });
      expect((await post('Bearer nope')).status).toBe(401);
      const encoded = (await (await post(`Bearer ${TOKEN}`)).json()) as { payloads: Array<{ metadata: Record<string, string> }> };
      expect(Buffer.from(encoded.payloads[0]!.metadata['encryption-key-id']!, 'base64').toString()).toBe('new');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
