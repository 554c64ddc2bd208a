import { readDataset } from '../dataset/dataset-reader';
import { createRequestRenderer } from '../dataset/request-renderer';
import { rowRequest } from '../dataset/row-request';
import { TimeSlice } from '../dataset/time-slice';
import { countTokens, TokenEstimator } from '../dataset/token-estimator';
import type { ResolvedJobSpec } from '../spec/job-spec';
import type { BlobStore } from '../storage/blob-store';
import type { DatasetScan } from './plan-estimate';

/** Bytes a request line carries besides its prompt (custom_id, method, url, model, JSON framing). */
const LINE_OVERHEAD_BYTES = 300;

/**
 * Streams a job's dataset once, as prepare would, without writing anything: counts items and bad rows
 * (unparseable, missing id or template field) and estimates prompt tokens (the o200k tokenizer on the first
 * rows, then this dataset's ratio) and request bytes. Memory stays flat; the event loop gets a turn every few
 * tens of milliseconds (Ctrl-C and timers are served).
 * @throws UnknownBuilderError for a `prompt.builder` spec (builders live on workers), DatasetNotFoundError.
 */
export async function scanDataset(spec: ResolvedJobSpec, blobs: BlobStore, onProgress?: (items: number) => void): Promise<DatasetScan> {
  // the prompt is all a plan needs: the provider's own body (and its client, and keys) stays out of it
  const render = createRequestRenderer(spec, { buildBody: (prompt) => ({ ...prompt }) });
  const schemaJson = spec.outputSchema ? JSON.stringify(spec.outputSchema.schema) : '';
  const estimator = new TokenEstimator(schemaJson ? countTokens(schemaJson) : 0);
  const fixedBytes = LINE_OVERHEAD_BYTES + Buffer.byteLength(schemaJson) + Buffer.byteLength(JSON.stringify(spec.params));
  const scan: DatasetScan = { items: 0, badRows: 0, promptTokens: 0, requestBytes: 0 };
  const slice = new TimeSlice();
  for await (const rows of readDataset(spec.dataset, blobs)) {
    for (const row of rows) {
      if (slice.spent()) await slice.pause();
      scan.items++;
      const { rendered: request } = rowRequest(row, spec.dataset.idField, render);
      if (!request) {
        scan.badRows++;
        continue;
      }
      scan.promptTokens += estimator.estimateRequest(request);
      scan.requestBytes += fixedBytes + Buffer.byteLength(request.bodyJson);
    }
    onProgress?.(scan.items);
  }
  return scan;
}
