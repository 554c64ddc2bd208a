import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { streamedBodyFetch } from '../../src/providers/provider-fetch';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const MiB = 1 << 20;

/** A body of `chunks` fresh 1 MiB chunks, made as it is read; `onAt` runs when chunk `at` is read. */
function streamOf(chunks: number, at: number, onAt: () => void): ReadableStream<Uint8Array> {
  let read = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (read === chunks) return controller.close();
      if (++read === at) onAt();
      controller.enqueue(new Uint8Array(MiB).fill(read % 251));
    },
  });
}

describe('streamedBodyFetch', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ method: string; bytes: number; redirect?: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (d: Buffer) => (bytes += d.length));
      req.on('end', () => {
        seen.push({ method: req.method!, bytes });
        if (req.url === '/moved') {
          res.writeHead(307, { location: '/' }).end();
          return;
        }
        res.end(String(bytes));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends a streamed body whole without holding what it already sent (Node fetch alone holds all of it)', async () => {
    const live = async (send: typeof fetch) => {
      let held = 0;
      const body = streamOf(64, 60, () => {
        gc();
        held = process.memoryUsage().arrayBuffers;
      });
      const before = (gc(), process.memoryUsage().arrayBuffers);
      const response = await send(url, { method: 'POST', body, duplex: 'half' } as RequestInit);
      expect(await response.text()).toBe(String(64 * MiB));
      return (held - before) / MiB;
    };
    // Node 20's fetch alone holds ~60 of the 64 MiB at that point: its clone for redirects keeps every chunk sent
    // (nodejs/undici#4058); not asserted, as a later Node may fix it
    expect(await live(streamedBodyFetch())).toBeLessThan(16);
  });

  it('passes other requests as they are, redirects followed', async () => {
    const response = await streamedBodyFetch()(`${url}moved`, { method: 'POST', body: 'four' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('4'); // 307 keeps the method and sends the body again
  });

  it('fails a streamed body sent to a redirect, as the Fetch standard does (there is nothing to send again)', async () => {
    const body = streamOf(1, 0, () => undefined);
    await expect(streamedBodyFetch()(`${url}moved`, { method: 'POST', body, duplex: 'half' } as RequestInit))
      .rejects.toThrow('fetch failed'); // a TypeError of Node's realm, not jest's
  });
});
