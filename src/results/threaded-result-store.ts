import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ItemOutcome, ItemState } from './item-outcome';
import type { AttemptOutcome, BatchRecord, CachedAnswer, JobRecord, OutcomeCounts, ResultStore } from './result-store';
import type { StoreCall, StoreReply } from './result-store-thread';
import { pagedOutcomes, SqliteResultStore } from './sqlite-result-store';

/**
 * The SQLite result store on a thread of its own: SQLite's work (a few microseconds per outcome) overlaps
 * with parsing, validating and rendering on the main thread, which a single thread cannot do. Same contract
 * as SqliteResultStore; each call resolves once the thread has done it (a write is committed when its
 * promise resolves).
 */
export class ThreadedResultStore implements ResultStore {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private next = 0;

  constructor(
    readonly file: string,
    script: string,
  ) {
    this.worker = new Worker(script, { workerData: { longhaulResultStore: true, file } });
    this.worker.unref();
    this.worker.on('message', (reply: StoreReply) => {
      const call = this.waiting.get(reply.id);
      if (!call) return;
      this.waiting.delete(reply.id);
      if ('error' in reply) call.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
      else call.resolve(reply.value);
    });
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', (code) => this.failAll(new Error(`result store thread exited (${code})`)));
  }

  private failAll(err: Error): void {
    for (const call of this.waiting.values()) call.reject(err);
    this.waiting.clear();
  }

  private call<T>(method: string, ...args: unknown[]): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, method, args } satisfies StoreCall);
    });
  }

  upsertOutcomes(jobId: string, taskVersion: string, outcomes: readonly ItemOutcome[]): Promise<void> {
    return outcomes.length === 0 ? Promise.resolve() : this.call('upsertOutcomes', jobId, taskVersion, outcomes);
  }
  hasAnswersFor(taskVersion: string): Promise<boolean> {
    return this.call('hasAnswersFor', taskVersion);
  }
  findCached(requestKeys: readonly string[]): Promise<Map<string, CachedAnswer>> {
    return this.call('findCached', requestKeys);
  }
  indexAnswers(jobId: string): Promise<void> {
    return this.call('indexAnswers', jobId);
  }
  counts(jobId: string): Promise<OutcomeCounts> {
    return this.call('counts', jobId);
  }
  seqsInStates(jobId: string, states: readonly ItemState[]): Promise<number[]> {
    return this.call('seqsInStates', jobId, states);
  }
  retryable(jobId: string, generation: number, round: number): Promise<Array<{ seq: number; reason: string; message: string | null }>> {
    return this.call('retryable', jobId, generation, round);
  }
  outcomesAt(jobId: string, generation: number, round: number, fromSeq: number, toSeq: number): Promise<AttemptOutcome[]> {
    return this.call('outcomesAt', jobId, generation, round, fromSeq, toSeq);
  }
  closeRetryable(jobId: string, note: string): Promise<number> {
    return this.call('closeRetryable', jobId, note);
  }
  iterate(jobId: string): AsyncIterable<ItemOutcome> {
    return pagedOutcomes((after) => this.call<ItemOutcome[]>('page', jobId, after));
  }
  duplicateKeys(jobId: string): Promise<number> {
    return this.call('duplicateKeys', jobId);
  }
  getBatchRecord(shardAttemptId: string): Promise<BatchRecord | undefined> {
    return this.call('getBatchRecord', shardAttemptId);
  }
  recordBatchIntent(shardAttemptId: string, provider: string, atMs: number): Promise<BatchRecord> {
    return this.call('recordBatchIntent', shardAttemptId, provider, atMs);
  }
  recordBatchCreated(shardAttemptId: string, batchId: string): Promise<void> {
    return this.call('recordBatchCreated', shardAttemptId, batchId);
  }
  recordedBatchIds(provider: string, sinceMs: number): Promise<string[]> {
    return this.call('recordedBatchIds', provider, sinceMs);
  }
  upsertJob(job: JobRecord): Promise<void> {
    return this.call('upsertJob', job);
  }
  getJob(jobId: string): Promise<JobRecord | undefined> {
    return this.call('getJob', jobId);
  }
  async close(): Promise<void> {
    await this.call('close');
    await this.worker.terminate();
  }
}

/**
 * The embedded result store: on its own thread when running compiled (a worker process), in-process under
 * a TypeScript runner (tests), whose threads cannot load TypeScript.
 */
export function openSqliteResultStore(file: string): ResultStore {
  const script = path.join(__dirname, 'result-store-thread.js');
  return __filename.endsWith('.js') && existsSync(script) ? new ThreadedResultStore(file, script) : new SqliteResultStore(file);
}
