import { parentPort } from 'node:worker_threads';
import { serveThread } from '../threads/thread-pool';
import { renderChunk, type RenderRequest, type RenderedChunk } from './render-chunk';

/** A render thread of prepares (shared by the prepares of a process): renders each chunk of lines it is sent. */
serveThread<RenderRequest, RenderedChunk>(
  parentPort!,
  (request) => renderChunk(request.context, request.chunk, request.firstLine, request.firstSeq),
  (result) => [result.lines, result.estTokens, result.dataEnds, result.manifestEnds, result.data, result.manifest].map((a) => a.buffer as ArrayBuffer),
);
