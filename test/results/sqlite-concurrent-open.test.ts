import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../src/dev/project-root';
import { SqliteResultStore } from '../../src/results/sqlite-result-store';
import { tempDir } from '../support/temp-dirs';

/**
 * Regression (found by `npm run chaos`): two `longhaul worker` processes started together on a new data dir both
 * saw a column missing from the SQLite result store and both added it; the second failed with "duplicate column
 * name" and the worker exited; more rarely the switch to WAL answered "database is locked" at once. Processes, not
 * connections of one process: the constructor is synchronous.
 */
describe('the SQLite result store opened by several processes at once on a new file', () => {
  it('every process opens it (WAL switched and columns added once, the others wait)', async () => {
    const compiled = path.join(projectRoot(), 'dist', 'src', 'results', 'sqlite-result-store.js');
    if (!existsSync(compiled)) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
    for (let round = 0; round < 4; round++) {
      const file = path.join(tempDir('longhaul-sqlite-open-'), 'results.sqlite');
      // every process waits for the same instant, so they open the file together
      const at = Date.now() + 2_000;
      const script = `const { SqliteResultStore } = require(${JSON.stringify(compiled)}); while (Date.now() < ${at}); new SqliteResultStore(${JSON.stringify(file)});`;
      const errors = await Promise.all(Array.from({ length: 8 }, () => new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve(code === 0 ? '' : stderr.split('\n').find((l) => l.includes('Error')) ?? `exit ${code}`));
      })));
      expect(errors.filter(Boolean)).toEqual([]);
    }
  }, 60_000);

  it('a process opens a current file while another holds its write lock (a worker paused mid-transaction)', async () => {
    const compiled = path.join(projectRoot(), 'dist', 'src', 'results', 'sqlite-result-store.js');
    const file = path.join(tempDir('longhaul-sqlite-locked-'), 'results.sqlite');
    await new SqliteResultStore(file).close();
    const holder = new Database(file);
    holder.pragma('busy_timeout = 0');
    holder.exec('BEGIN IMMEDIATE');
    try {
      // a write lock held longer than the store's busy timeout (15 s) once failed every worker starting beside it
      const started = Date.now();
      const script = `const { SqliteResultStore } = require(${JSON.stringify(compiled)}); new SqliteResultStore(${JSON.stringify(file)});`;
      const stderr = await new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
        let text = '';
        child.stderr.on('data', (d: Buffer) => (text += d.toString()));
        child.on('exit', (code) => resolve(code === 0 ? '' : text || `exit ${code}`));
      });
      expect(stderr).toBe('');
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  }, 60_000);
});
