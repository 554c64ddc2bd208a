import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { BLOB_PATH_PREFIX, formatOfPath } from '../dataset/dataset-reader';
import type { BlobStore } from '../storage/blob-store';
import { jobLayout } from '../storage/job-layout';

/** The file's extension as the format rules read it (`.jsonl.txt` whole), so the key keeps telling the format. */
function extensionOf(file: string): string {
  const lower = file.toLowerCase();
  if (formatOfPath(file) && lower.endsWith('.jsonl.txt')) return '.jsonl.txt';
  return path.extname(file).toLowerCase();
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Puts a local dataset file into the blob store under its content's hash (`datasets/<sha256><ext>`), streamed,
 * so workers on any machine read it; the same bytes already there are not uploaded again. Returns the dataset's
 * `blob:` path.
 */
export async function uploadDataset(file: string, blobs: BlobStore): Promise<string> {
  const key = jobLayout.dataset(await sha256Of(file), extensionOf(file));
  if (!(await blobs.exists(key))) {
    const writer = blobs.createWriter(key);
    try {
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
        const flushing = writer.write(chunk as Buffer);
        if (flushing) await flushing;
      }
      await writer.close();
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }
  return `${BLOB_PATH_PREFIX}${key}`;
}
