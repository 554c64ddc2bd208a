import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../storage/blob-store';
import { readCsvRows } from './csv-reader';
import type { DatasetRow } from './dataset-row';
import { readJsonlRows } from './jsonl-reader';

export type DatasetFormat = 'jsonl' | 'csv';

/** Dataset paths starting with this prefix name a key in the blob store (inline rows written by the client). */
export const BLOB_PATH_PREFIX = 'blob:';

/** The format a path's extension implies; undefined when it implies none. */
export function formatOfPath(file: string): DatasetFormat | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.jsonl.txt')) return 'jsonl';
  if (lower.endsWith('.csv')) return 'csv';
  return undefined;
}

export class DatasetNotFoundError extends Error {
  override readonly name = 'DatasetNotFoundError';
}

function openSource(location: string, blobs: BlobStore): Readable {
  const stream = location.startsWith(BLOB_PATH_PREFIX)
    ? blobs.read(location.slice(BLOB_PATH_PREFIX.length))
    : createReadStream(location, { highWaterMark: 1 << 20 });
  stream.on('error', () => undefined);
  return stream;
}

/**
 * Streams a dataset (local file, or `blob:<key>`) as batches of rows in file order.
 * @throws DatasetNotFoundError when the file does not exist.
 */
export async function* readDataset(
  dataset: { path: string; format: DatasetFormat },
  blobs: BlobStore,
): AsyncGenerator<DatasetRow[]> {
  const source = openSource(dataset.path, blobs);
  const rows = dataset.format === 'csv' ? readCsvRows(source) : readJsonlRows(source);
  try {
    yield* rows;
  } catch (err) {
    throw notFoundAsDatasetError(err, dataset.path);
  } finally {
    source.destroy();
  }
}

/** The dataset's raw bytes in file order (for readers of whole chunks). @throws DatasetNotFoundError */
export async function* readDatasetBytes(dataset: { path: string }, blobs: BlobStore): AsyncGenerator<Buffer> {
  const source = openSource(dataset.path, blobs);
  try {
    for await (const chunk of source) yield chunk as Buffer;
  } catch (err) {
    throw notFoundAsDatasetError(err, dataset.path);
  } finally {
    source.destroy();
  }
}

function notFoundAsDatasetError(err: unknown, location: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || (err as Error).name === 'BlobNotFoundError') return new DatasetNotFoundError(`dataset not found: ${location}`);
  return err;
}
