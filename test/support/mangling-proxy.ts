import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A rewrite of chosen responses: those to `method` on a path `path` matches. `body` gets the response's body as
 * text and returns the text to send instead, or undefined to send it as it came (the rule then stays for the
 * next response). A rule rewrites at most `times` responses (default 1), then lets everything through.
 */
export interface MangleRule {
  method: string;
  path: RegExp;
  times?: number;
  body(text: string): string | undefined;
}

export interface ManglingProxy {
  /** The proxy's origin (`http://127.0.0.1:<port>`); put the upstream's path after it (`/v1` for OpenAI). */
  url: string;
  /** Where requests go (an origin): settable after the proxy started, before the first request. */
  target: string;
  /** Adds a rewrite for responses from now on. */
  mangle(rule: MangleRule): void;
  /** Each response rewritten so far: method, path, and its body before and after. */
  rewritten: Array<{ method: string; path: string; before: string; after: string }>;
  /** Stops listening and closes every open connection (keep-alive ones too). */
  stop(): Promise<void>;
}

/**
 * A small HTTP proxy for tests, put between a provider client and the emulator: it forwards every request as it
 * came (method, path, headers, body) and every response as it comes, except the responses a rule rewrites,
 * which are read whole and sent with the rewritten body and its length. Asks the upstream for uncompressed
 * bodies so that a rule sees text.
 */
export async function startManglingProxy(target = ''): Promise<ManglingProxy> {
  const rules: Array<MangleRule & { left: number }> = [];
  const proxy: ManglingProxy = {
    url: '',
    target,
    mangle: (rule) => void rules.push({ ...rule, left: rule.times ?? 1 }),
    rewritten: [],
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const ruleFor = (method: string, path: string) => rules.find((r) => r.left > 0 && r.method === method && r.path.test(path));

  const server = http.createServer((req, res) => {
    const upstream = new URL(req.url ?? '/', proxy.target);
    const forwarded = http.request(upstream, { method: req.method, headers: { ...req.headers, host: upstream.host, 'accept-encoding': 'identity' } }, (answer) => {
      const rule = ruleFor(req.method ?? 'GET', upstream.pathname);
      if (!rule) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const before = Buffer.concat(chunks).toString('utf8');
        const after = rule.left > 0 ? rule.body(before) : undefined;
        if (after !== undefined) {
          rule.left--;
          proxy.rewritten.push({ method: req.method ?? 'GET', path: upstream.pathname, before, after });
        }
        const body = Buffer.from(after ?? before, 'utf8');
        const headers = { ...answer.headers, 'content-length': String(body.length) };
        delete headers['transfer-encoding'];
        res.writeHead(answer.statusCode ?? 502, headers);
        res.end(body);
      });
      answer.on('error', (err) => res.destroy(err));
    });
    forwarded.on('error', () => res.destroy()); // the client sees a dropped connection, as it would without us
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
