import type { BlobStore } from '../storage/blob-store';
import { jobLayout, type ShardAddress } from '../storage/job-layout';
import { readLineBatches } from './line-reader';
import type { ManifestLine } from './shard-writer';

/** A shard's manifest lines in file order (line i describes request i of the shard's input file). */
export async function loadManifestLines(blobs: BlobStore, shard: ShardAddress): Promise<ManifestLine[]> {
  const lines: ManifestLine[] = [];
  for await (const batch of readLineBatches(blobs.read(jobLayout.shardManifest(shard)))) {
    for (const text of batch.lines) if (text) lines.push(JSON.parse(text) as ManifestLine);
  }
  return lines;
}
