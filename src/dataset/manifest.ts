import type { BlobStore } from '../storage/blob-store';
import { jobLayout, type ShardAddress } from '../storage/job-layout';
import { readLineBatches } from './line-reader';
import type { ManifestLine } from './shard-writer';

/**
 * A shard's manifest: one tab-separated line per request, in the order of the shard's input file:
 *   seq \t line \t estTokens \t requestKey \t itemKey
 * The item key comes last and as it is, unless it holds a tab, a line break or a backslash, or starts with
 * a quote: then it is written as a JSON string. Tabs and plain splitting keep this far cheaper to read back
 * than a JSON array per line, and collect reads a manifest for every shard.
 */
export function manifestLine(entry: ManifestLine): string {
  const [seq, line, estTokens, itemKey, requestKey] = entry;
  const key = /[\t\n\r\\]/.test(itemKey) || itemKey.startsWith('"') ? JSON.stringify(itemKey) : itemKey;
  return `${seq}\t${line}\t${estTokens}\t${requestKey}\t${key}\n`;
}

/** One manifest line as read back, with its 1-based position in the shard's input file. */
export interface ManifestItem {
  seq: number;
  line: number;
  estTokens: number;
  itemKey: string;
  requestKey: string;
  inputLine: number;
}

/** Reads one manifest line (without its line break); `inputLine` is its position in the manifest. */
export function parseManifestItem(text: string, inputLine: number): ManifestItem {
  const a = text.indexOf('\t');
  const b = text.indexOf('\t', a + 1);
  const c = text.indexOf('\t', b + 1);
  const d = text.indexOf('\t', c + 1);
  if (d < 0) throw new Error(`not a manifest line: ${text.slice(0, 80)}`);
  const key = text.slice(d + 1);
  return {
    seq: Number(text.slice(0, a)),
    line: Number(text.slice(a + 1, b)),
    estTokens: Number(text.slice(b + 1, c)),
    itemKey: key.startsWith('"') ? (JSON.parse(key) as string) : key,
    requestKey: text.slice(c + 1, d),
    inputLine,
  };
}

/** A shard's manifest in file order (item i describes request i of the shard's input file). */
export async function loadManifest(blobs: BlobStore, shard: ShardAddress): Promise<ManifestItem[]> {
  const items: ManifestItem[] = [];
  for await (const batch of readLineBatches(blobs.read(jobLayout.shardManifest(shard)))) {
    for (const text of batch.lines) if (text) items.push(parseManifestItem(text, items.length + 1));
  }
  return items;
}
