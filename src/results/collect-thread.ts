import { parentPort } from 'node:worker_threads';
import { serveThread } from '../threads/thread-pool';
import { readResultChunk, validatorFor, type ReadResultChunk, type ResultChunkRequest } from './result-chunk';

/** A result-reading thread of collects (shared by the collects of a process): reads each chunk of lines it is sent. */
serveThread<ResultChunkRequest, ReadResultChunk>(
  parentPort!,
  (request) => readResultChunk(request.context, request.chunk, validatorFor(request.context.outputSchema)),
  (read) => [read.seqs, read.ok, read.at, read.hashes, read.tokensIn, read.tokensOut].map((a) => a.buffer as ArrayBuffer),
);
