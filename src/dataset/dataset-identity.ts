import { createHash } from 'node:crypto';
import type { DatasetIdentity } from '../results/result-store';
import type { BlobStore } from '../storage/blob-store';
import { readDatasetLineChunks } from './dataset-reader';

/**
 * Which bytes a dataset is: the size and SHA-256 of what its readers read (a leading byte order mark aside),
 * streamed (memory stays flat). A job records it at generation 0;
 * a reprocess matches items by their position in the file, so it must read the same bytes.
 * @throws DatasetNotFoundError
 */
export async function datasetIdentity(dataset: { path: string }, blobs: BlobStore): Promise<DatasetIdentity> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of readDatasetLineChunks(dataset, blobs)) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** A reprocess of a job whose dataset file is not the one its first run read. */
export class DatasetChangedError extends Error {
  override readonly name = 'DatasetChangedError';
  constructor(jobId: string, path: string, recorded: DatasetIdentity, now: DatasetIdentity) {
    super(
      `the dataset of job ${jobId} changed since it first ran: ${path} was ${recorded.bytes} bytes, sha256 ${recorded.sha256}, ` +
        `and is now ${now.bytes} bytes, sha256 ${now.sha256}. A reprocess matches items by their place in the file, so it ` +
        `needs the same file: put the original back, or start a new job on the edited file (unchanged rows are answered from cache)`,
    );
  }
}
