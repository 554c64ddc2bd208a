import { parentPort, workerData } from 'node:worker_threads';
import { renderChunk, type ChunkContext } from './render-chunk';

/**
 * A render thread of a prepare (see RenderPool): renders each chunk it is sent and hands the result back,
 * moving its buffers instead of copying them.
 */
const context = workerData as ChunkContext;
parentPort!.on('message', (message: { id: number; chunk: Uint8Array; firstLine: number; firstSeq: number }) => {
  try {
    const result = renderChunk(context, message.chunk, message.firstLine, message.firstSeq);
    const moved = [result.lines, result.estTokens, result.dataEnds, result.manifestEnds, result.data, result.manifest].map((a) => a.buffer as ArrayBuffer);
    parentPort!.postMessage({ id: message.id, result }, moved);
  } catch (err) {
    const error = err as Error;
    parentPort!.postMessage({ id: message.id, error: { name: error.name, message: error.message, stack: error.stack } });
  }
});
