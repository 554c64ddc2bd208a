import { readFileSync } from 'node:fs';
import { InvalidSpecError, problemsOf } from '../spec/spec-errors';
import { PriceEntrySchema, PriceOverridesSchema, type ModelPrice } from './price-table';
import { z } from 'zod';

/** Either the built-in data file's shape (`{"prices": [{model, provider, inputPerMTok, ...}]}`) or a map by model id. */
const PriceFileSchema = z.union([
  z.object({ comment: z.string().optional(), prices: z.array(PriceEntrySchema) }),
  PriceOverridesSchema,
]);

/**
 * Reads the user's price file (LONGHAUL_PRICES). Accepts the format of src/report/model-prices.json or the
 * short map `{"my-model": {"inputPerMTok": 1, "outputPerMTok": 4}}` (USD per million tokens).
 * @throws InvalidSpecError naming the file and the line (bad JSON) or the entry and field (bad price).
 */
export function readPriceOverrides(file: string): Record<string, ModelPrice> {
  const where = `price file ${file}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidSpecError([{ path: 'LONGHAUL_PRICES', message: `cannot read ${file}: ${(err as Error).message}` }], 'configuration');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidSpecError([{ path: '', message: `not JSON at ${lineOf(text, err as Error)}: ${(err as Error).message}` }], where);
  }
  const parsed = PriceFileSchema.safeParse(json);
  if (!parsed.success) throw new InvalidSpecError(problemsOf(listProblems(json) ?? parsed.error), where);
  if (!('prices' in parsed.data) || !Array.isArray(parsed.data.prices)) return parsed.data as Record<string, ModelPrice>;
  return Object.fromEntries(
    parsed.data.prices.map((e) => [e.model, { inputPerMTok: e.inputPerMTok, outputPerMTok: e.outputPerMTok, batchFactor: e.batchFactor, flexFactor: e.flexFactor }]),
  );
}

/** For a file that looks like the list format, the list's own errors (a union's errors name neither shape well). */
function listProblems(json: unknown): z.ZodError | undefined {
  if (typeof json !== 'object' || json === null || !('prices' in json)) return undefined;
  const list = z.object({ comment: z.string().optional(), prices: z.array(PriceEntrySchema) }).safeParse(json);
  return list.success ? undefined : list.error;
}

/** `line N` from a JSON.parse error's position, when the engine gives one. */
function lineOf(text: string, err: Error): string {
  const line = /line (\d+)/.exec(err.message)?.[1];
  if (line) return `line ${line}`;
  const position = /position (\d+)/.exec(err.message)?.[1];
  return position ? `line ${text.slice(0, Number(position)).split('\n').length}` : 'an unknown line';
}
