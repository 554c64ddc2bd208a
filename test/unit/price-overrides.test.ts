import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { readPriceOverrides } from '../../src/report/price-overrides';
import { tempDir } from '../support/temp-dirs';

describe('readPriceOverrides (LONGHAUL_PRICES)', () => {
  const dir = tempDir('longhaul-prices-');
  const file = (name: string, text: string): string => {
    const at = path.join(dir, name);
    writeFileSync(at, text);
    return at;
  };

  it('reads the short map and the data-file list', () => {
    expect(readPriceOverrides(file('map.json', '{"my-model": {"inputPerMTok": 1, "outputPerMTok": 4}}'))).toEqual({
      'my-model': { inputPerMTok: 1, outputPerMTok: 4, batchFactor: 0.5, flexFactor: 0.5 },
    });
    const list = { prices: [{ model: 'gpt-5.1', provider: 'openai', inputPerMTok: 1.25, outputPerMTok: 10, batchFactor: 0.5, flexFactor: 0.5, effective: '2025-11-13', source: 'https://platform.openai.com/docs/pricing' }] };
    expect(readPriceOverrides(file('list.json', JSON.stringify(list)))['gpt-5.1']).toEqual({ inputPerMTok: 1.25, outputPerMTok: 10, batchFactor: 0.5, flexFactor: 0.5 });
  });

  it('names the file and line of bad JSON, and the entry and field of a bad price', () => {
    const bad = file('bad.json', '{\n  "m": {"inputPerMTok": 1,,}\n}');
    expect(() => readPriceOverrides(bad)).toThrow(new RegExp(`invalid price file ${bad}: not JSON at line 2`));
    const field = file('field.json', JSON.stringify({ prices: [{ model: 'x', provider: 'openai', inputPerMTok: -1, outputPerMTok: 1, batchFactor: 0.5, flexFactor: 0.5, effective: '2025-01-01', source: 's' }] }));
    expect(() => readPriceOverrides(field)).toThrow(/invalid price file .*field\.json: prices\[0\]\.inputPerMTok: Too small/);
    expect(() => readPriceOverrides(path.join(dir, 'absent.json'))).toThrow(/invalid configuration: LONGHAUL_PRICES: cannot read/);
  });
});
