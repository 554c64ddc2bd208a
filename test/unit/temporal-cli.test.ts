import { writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { findTemporalCli, TemporalCliNotFoundError } from '../../src/dev/temporal-cli';
import { tempDir } from '../support/temp-dirs';

describe('findTemporalCli', () => {
  const dir = tempDir('longhaul-cli-');
  const fake = path.join(dir, 'temporal');
  writeFileSync(fake, '#!/bin/sh\n');
  chmodSync(fake, 0o755);
  const emptyRoot = tempDir('longhaul-root-');

  it('prefers LONGHAUL_TEMPORAL_CLI', () => {
    expect(findTemporalCli({ LONGHAUL_TEMPORAL_CLI: fake, PATH: '' }, emptyRoot)).toBe(fake);
  });
  it('rejects an env var that names no executable', () => {
    expect(() => findTemporalCli({ LONGHAUL_TEMPORAL_CLI: path.join(dir, 'nope') }, emptyRoot)).toThrow(TemporalCliNotFoundError);
  });
  it('then looks on PATH', () => {
    expect(findTemporalCli({ PATH: `/nonexistent${path.delimiter}${dir}` }, emptyRoot)).toBe(fake);
  });
  it('then in the project-local install, else nothing', () => {
    expect(findTemporalCli({ PATH: '' }, emptyRoot)).toBeUndefined();
  });
});
