import type { ShardAddress } from '../contracts/shard-ref';

/**
 * The one place that names a job's blobs. Datasets the client uploads live under `datasets/` (by content hash);
 * everything a job writes lives under `jobs/<jobId>/`:
 *   g<generation>/r<round>/shard-00000.jsonl           provider batch input, one request per line
 *   g<generation>/r<round>/shard-00000.manifest.tsv    seq, line, estTokens, requestKey, itemKey per request
 *   g<generation>/r<round>/shard-00000.output.jsonl    the provider's output file, downloaded as is
 *   g<generation>/r<round>/shard-00000.errors.jsonl    the provider's error file, downloaded as is
 *   results.jsonl | results.csv, dead-letter.jsonl, report.json, report.html
 */
export type { ShardAddress } from '../contracts/shard-ref';

function shardBase(s: ShardAddress): string {
  return `jobs/${s.jobId}/g${s.generation}/r${s.round}/shard-${String(s.index).padStart(5, '0')}`;
}

const SHARD_REQUESTS = /^jobs\/[^/]+\/g\d+\/r\d+\/shard-\d+\.(?:jsonl|manifest\.tsv)$/;

export const jobLayout = {
  /** A dataset the client uploaded, by the SHA-256 of its bytes (shared by every job on the same file). */
  dataset: (sha256: string, extension: string) => `datasets/${sha256}${extension}`,
  jobPrefix: (jobId: string) => `jobs/${jobId}/`,
  inlineDataset: (jobId: string) => `jobs/${jobId}/input.jsonl`,
  roundPrefix: (jobId: string, generation: number, round: number) => `jobs/${jobId}/g${generation}/r${round}/`,
  shardInput: (s: ShardAddress) => `${shardBase(s)}.jsonl`,
  shardManifest: (s: ShardAddress) => `${shardBase(s)}.manifest.tsv`,
  shardOutput: (s: ShardAddress) => `${shardBase(s)}.output.jsonl`,
  shardErrors: (s: ShardAddress) => `${shardBase(s)}.errors.jsonl`,
  results: (jobId: string, format: 'jsonl' | 'csv') => `jobs/${jobId}/results.${format}`,
  deadLetter: (jobId: string) => `jobs/${jobId}/dead-letter.jsonl`,
  report: (jobId: string) => `jobs/${jobId}/report.json`,
  reportHtml: (jobId: string) => `jobs/${jobId}/report.html`,
  /**
   * Prepare's shard files (batch lines and manifests), which repeat the request template on every line: what an
   * object store keeps gzip-compressed (compressed-blob-store.ts, opened by open-blob-store.ts).
   */
  isShardRequests: (key: string) => SHARD_REQUESTS.test(key),
  /** Every generation's report, kept when a reprocess writes a new report.json. */
  generationReport: (jobId: string, generation: number) => `jobs/${jobId}/reports/generation-${generation}.json`,
};
