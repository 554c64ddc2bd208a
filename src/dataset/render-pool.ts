import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { projectRoot } from '../dev/project-root';
import type { ChunkContext, RenderedChunk } from './render-chunk';

type Pending = { resolve: (chunk: RenderedChunk) => void; reject: (err: Error) => void };

export class RenderThreadError extends Error {
  override readonly name = 'RenderThreadError';
}

/**
 * The compiled render thread script: beside this file in the build, or in dist/ when running from sources
 * (tests). Undefined when there is none (then prepare renders on its own thread).
 */
export function renderThreadScript(): string | undefined {
  const candidates = [path.join(__dirname, 'render-thread.js'), path.join(projectRoot(), 'dist', 'src', 'dataset', 'render-thread.js')];
  return candidates.find((file) => existsSync(file));
}

/**
 * Threads that render chunks of JSONL lines into request bodies for one prepare, so parsing, rendering and
 * hashing use every core while the caller's thread cuts shards and writes files. Chunks are handed out in
 * turn; each result comes back as a promise, and the caller consumes them in the order it sent the chunks.
 */
export class RenderPool {
  private readonly threads: Array<{ worker: Worker; pending: Map<number, Pending> }>;
  private nextId = 0;
  private turn = 0;
  private closed = false;

  constructor(script: string, context: ChunkContext, size: number) {
    this.threads = Array.from({ length: size }, () => {
      const worker = new Worker(script, { workerData: context });
      const thread = { worker, pending: new Map<number, Pending>() };
      worker.on('message', (message: { id: number; result?: RenderedChunk; error?: { name: string; message: string; stack?: string } }) => {
        const waiting = thread.pending.get(message.id);
        if (!waiting) return;
        thread.pending.delete(message.id);
        if (message.result) waiting.resolve(message.result);
        else waiting.reject(Object.assign(new RenderThreadError(message.error?.message ?? 'render thread failed'), { stack: message.error?.stack }));
      });
      const failAll = (err: Error) => {
        for (const waiting of thread.pending.values()) waiting.reject(err);
        thread.pending.clear();
      };
      worker.on('error', (err) => failAll(new RenderThreadError(`render thread failed: ${err.message}`)));
      worker.on('exit', (code) => {
        if (!this.closed) failAll(new RenderThreadError(`render thread exited (code ${code})`));
      });
      return thread;
    });
  }

  /** Renders a chunk on the next thread; the chunk's memory moves to that thread (do not use it after). */
  render(chunk: Uint8Array, firstLine: number, firstSeq: number): Promise<RenderedChunk> {
    const thread = this.threads[this.turn++ % this.threads.length]!;
    const id = this.nextId++;
    return new Promise<RenderedChunk>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      thread.worker.postMessage({ id, chunk, firstLine, firstSeq }, [chunk.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
