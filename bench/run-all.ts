import type { BenchResult } from './bench-result';
import * as csv from './csv-reader.bench';
import * as emulator from './emulator.bench';
import * as e2e from './end-to-end.bench';
import * as engine from './engine-throughput.bench';
import * as stores from './stores.bench';
import * as threads from './thread-pool.bench';

/**
 * `npm run bench`: every benchmark in one run, each figure beside its same-run baseline (these machines
 * are shared and noisy: compare within a run, not across runs). Select with LONGHAUL_BENCH=engine,emulator,e2e,stores,csv,threads.
 */
const BENCHES: Record<string, { run(): Promise<BenchResult[]> }> = { engine, emulator, e2e, stores, csv, threads };

function format(result: BenchResult): string {
  const value = `${result.value.toLocaleString('en-US')} ${result.unit}`;
  const base = result.baseline ? `   (baseline ${result.baseline.name}: ${result.baseline.value.toLocaleString('en-US')} ${result.baseline.unit})` : '';
  const note = result.note ? `   ${result.note}` : '';
  return `  ${result.name.padEnd(58)} ${value.padStart(16)}${base}${note}`;
}

async function main(): Promise<void> {
  const selected = (process.env.LONGHAUL_BENCH ?? Object.keys(BENCHES).join(',')).split(',');
  const all: Record<string, BenchResult[]> = {};
  for (const name of selected) {
    const bench = BENCHES[name];
    if (!bench) throw new Error(`unknown benchmark "${name}" (known: ${Object.keys(BENCHES).join(', ')})`);
    console.log(`\n${name}`);
    const started = Date.now();
    const results = await bench.run();
    for (const result of results) console.log(format(result));
    console.log(`  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    all[name] = results;
  }
  if (process.env.LONGHAUL_BENCH_JSON) console.log(JSON.stringify(all, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
