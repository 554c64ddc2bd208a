import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/dev/free-port';
import { startDevServer, type DevServer } from '../../src/dev/temporal-dev-server';

/** A Temporal dev server on a SQLite file of its own, that a schedule can kill -9 and start again on that file. */
export interface ChaosTemporal {
  address: string;
  /** SIGKILL (a crash: what SQLite committed is what survives), `downMs` of nothing, then a start on the same port and file. */
  restart(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startChaosTemporal(dir: string): Promise<ChaosTemporal> {
  const port = await freePort();
  const serve = () => startDevServer({ port, headless: true, dbFile: path.join(dir, 'temporal.sqlite'), logFile: path.join(dir, 'temporal.log'), startTimeoutMs: 120_000 });
  let server: DevServer | undefined = await serve();
  return {
    address: server.address,
    async restart(downMs) {
      if (server) {
        process.kill(server.pid, 'SIGKILL');
        await server.stop();
        server = undefined;
      }
      await sleep(downMs);
      server = await serve();
    },
    async stop() {
      await server?.stop();
      server = undefined;
    },
  };
}
