import { parentPort, workerData } from 'node:worker_threads';
import { serveThread } from '../threads/thread-pool';
import { renderChunk, type ChunkContext, type RenderedChunk } from './render-chunk';

/** A render thread of a prepare: renders each chunk of lines it is sent (see prepareJob). */
const context = workerData as ChunkContext;
serveThread<{ chunk: Uint8Array; firstLine: number; firstSeq: number }, RenderedChunk>(
  parentPort!,
  (request) => renderChunk(context, request.chunk, request.firstLine, request.firstSeq),
  (result) => [result.lines, result.estTokens, result.dataEnds, result.manifestEnds, result.data, result.manifest].map((a) => a.buffer as ArrayBuffer),
);
