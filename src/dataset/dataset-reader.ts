import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../storage/blob-store';
import { readCsvRows } from './csv-reader';
import type { DatasetRow } from './dataset-row';
import { readJsonlRows } from './jsonl-reader';
import { lineChunks } from './line-reader';

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

/**
 * A dataset that cannot be read as a file: it does not exist, or it is a directory. Retrying does not help
 * (activities/failures.ts makes it a non-retryable `DatasetNotFound` failure); the message says which.
 */
export class DatasetNotFoundError extends Error {
  override readonly name = 'DatasetNotFoundError';
}

/** Dataset paths starting with this prefix name an object in an S3-compatible bucket, read in place. */
export const S3_URL_PREFIX = 's3://';

/**
 * Where a dataset is, as a blob store and a key: `blob:<key>` in Longhaul's own store, `s3://bucket/key` in a
 * bucket of the same object store; undefined for a local file.
 * @throws DatasetNotFoundError for an s3:// URL when the blob store is not an object store.
 */
function datasetBlob(location: string, blobs: BlobStore): { store: BlobStore; key: string } | undefined {
  if (location.startsWith(BLOB_PATH_PREFIX)) return { store: blobs, key: location.slice(BLOB_PATH_PREFIX.length) };
  if (!location.startsWith(S3_URL_PREFIX)) return undefined;
  const rest = location.slice(S3_URL_PREFIX.length);
  const slash = rest.indexOf('/');
  if (!blobs.bucket || slash < 1) {
    throw new DatasetNotFoundError(`cannot read ${location}: s3:// datasets are read with the workers' S3 blob store (set LONGHAUL_BLOB_STORE=s3://...)`);
  }
  return { store: blobs.bucket(rest.slice(0, slash)), key: rest.slice(slash + 1) };
}

function openSource(location: string, blobs: BlobStore): Readable {
  const blob = datasetBlob(location, blobs);
  const stream = blob ? blob.store.read(blob.key) : createReadStream(location, { highWaterMark: 1 << 20 });
  stream.on('error', () => undefined);
  return stream;
}

/** The dataset's size in bytes (a local file, `blob:` or `s3://`); 0 when it cannot be told. */
export async function datasetSize(dataset: { path: string }, blobs: BlobStore): Promise<number> {
  const blob = datasetBlob(dataset.path, blobs);
  if (blob) return (await blob.store.size(blob.key).catch(() => undefined)) ?? 0;
  return stat(dataset.path).then((s) => s.size, () => 0);
}

/**
 * Streams a dataset (local file, or `blob:<key>`) as batches of rows in file order.
 * @throws DatasetNotFoundError when the file does not exist or is a directory.
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
    throw asDatasetError(err, dataset.path);
  } finally {
    source.destroy();
  }
}

/**
 * The dataset's bytes in file order, in chunks of whole lines with a leading byte order mark dropped: what
 * the line readers see, for readers of whole chunks (render threads). A chunk may share memory with the read
 * buffers. @throws DatasetNotFoundError
 */
export async function* readDatasetLineChunks(dataset: { path: string }, blobs: BlobStore): AsyncGenerator<Buffer> {
  const source = openSource(dataset.path, blobs);
  try {
    yield* lineChunks(source);
  } catch (err) {
    throw asDatasetError(err, dataset.path);
  } finally {
    source.destroy();
  }
}

/**
 * Whether a dataset has at least one item (a row, good or bad); reads up to the first one only.
 * @throws DatasetNotFoundError
 */
export async function datasetHasItems(dataset: { path: string; format: DatasetFormat }, blobs: BlobStore): Promise<boolean> {
  for await (const rows of readDataset(dataset, blobs)) {
    if (rows.length > 0) return true;
  }
  return false;
}

/** Why a dataset without items is refused (by the client at start, and by prepare). */
export function noItemsMessage(location: string): string {
  return `${location} has no items (it is empty, or holds only blank lines or a CSV header)`;
}

/** A read error as the dataset problem it is: a missing file or blob, or a directory; other errors as they are. */
function asDatasetError(err: unknown, location: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || (err as Error).name === 'BlobNotFoundError') return new DatasetNotFoundError(`dataset not found: ${location}`);
  if (code === 'EISDIR') return new DatasetNotFoundError(`dataset is a directory, not a file: ${location}`);
  return err;
}
