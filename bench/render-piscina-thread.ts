import { move, transferableSymbol, valueSymbol } from 'piscina';
import { renderChunk, type RenderRequest, type RenderedChunk } from '../src/dataset/render-chunk';

/**
 * src/dataset/render-thread.ts as a piscina task (for the thread-pool benchmark only): the same rendering, its
 * typed arrays moved back as render-thread moves them.
 */
export default function render(request: RenderRequest): unknown {
  const result: RenderedChunk = renderChunk(request.context, request.chunk, request.firstLine, request.firstSeq);
  const buffers = [result.lines, result.estTokens, result.dataEnds, result.manifestEnds, result.data, result.manifest].map((a) => a.buffer);
  return move({ [transferableSymbol]: buffers, [valueSymbol]: result });
}
