import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/longhaul-config';
import { createWorkerDeps } from '../../src/worker/worker-deps';

describe('configuration: LONGHAUL_THREADS', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'longhaul-config-'));

  it('leaves the thread count to prepare and collect unless set', async () => {
    const config = loadConfig({}, { dataDir });
    expect(config.threads).toBeUndefined();
    const deps = createWorkerDeps(config);
    expect(deps.threads).toBeUndefined();
    await deps.close();
  });

  it('hands a set count (0: no threads) to the activities', async () => {
    const config = loadConfig({ LONGHAUL_THREADS: '0' }, { dataDir });
    expect(config.threads).toBe(0);
    const deps = createWorkerDeps(config);
    expect(deps.threads).toBe(0);
    await deps.close();
    expect(loadConfig({ LONGHAUL_THREADS: '3' }, { dataDir }).threads).toBe(3);
  });

  it('refuses a count that is not a whole number from 0 to 64, naming the setting', () => {
    expect(() => loadConfig({ LONGHAUL_THREADS: 'many' }, { dataDir })).toThrow('invalid configuration: LONGHAUL_THREADS: expected a whole number, got "many"');
    for (const bad of ['-1', '1.5']) expect(() => loadConfig({ LONGHAUL_THREADS: bad }, { dataDir })).toThrow(/LONGHAUL_THREADS: expected a whole number/);
    expect(() => loadConfig({ LONGHAUL_THREADS: '1000' }, { dataDir })).toThrow(/invalid configuration: threads: Too big/);
  });
});
