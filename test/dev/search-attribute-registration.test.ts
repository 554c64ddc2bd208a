import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../src/dev/free-port';
import { isHealthy, startDevServer, type DevServer } from '../../src/dev/temporal-dev-server';
import { SEARCH_ATTRIBUTE_TYPES } from '../../src/contracts/search-attributes';
import { tempDir } from '../support/temp-dirs';

/**
 * `temporal server start-dev --search-attribute` registers attributes only when it creates its database: a data
 * dir from an older Longhaul would lack the ones added since, and every shard start would fail. startDevServer
 * registers what is missing.
 */
describe('a dev server on a database from an older Longhaul', () => {
  let server: DevServer | undefined;
  afterAll(async () => {
    await server?.stop();
  });

  it('gets every search attribute of src/contracts/search-attributes.ts', async () => {
    const cli = process.env.LONGHAUL_TEMPORAL_CLI!;
    const dbFile = path.join(tempDir('longhaul-sa-'), 'temporal.sqlite');
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    // the database as an older Longhaul left it: one attribute only
    const old = spawn(cli, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port), '--db-filename', dbFile, '--log-level', 'error', '--search-attribute', 'LonghaulJobId=Keyword'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => old.once('exit', resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (!isHealthy(cli, address)) {
        if (Date.now() > deadline) throw new Error('the older server did not start');
        await sleep(250);
      }
    } finally {
      old.kill('SIGTERM');
      await exited;
    }

    server = await startDevServer({ port, headless: true, dbFile, executable: cli });
    const listed = spawnSync(cli, ['operator', 'search-attribute', 'list', '--address', server.address], { encoding: 'utf8' }).stdout;
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_TYPES)) expect(listed).toMatch(new RegExp(`\\b${name}\\s+${type}\\b`));
  });
});
