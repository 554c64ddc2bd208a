import type { BlobStore, BlobWriter } from '../storage/blob-store';
import { jobLayout, type ShardAddress } from '../storage/job-layout';
import { manifestLine } from './manifest';
import type { RenderedChunk } from './render-chunk';
import type { ShardRef } from '../contracts/shard-ref';

/** A shard as the workflows see it: src/contracts/shard-ref.ts. */
export type { ShardRef } from '../contracts/shard-ref';

export interface ShardLimits {
  maxRequests: number;
  maxBytes: number;
  maxTokens?: number;
}

/**
 * One request on its way into a shard file. `text` is the batch line with its newline, whole or in pieces
 * (text and UTF-8 bytes, written one after the other); `bytes` is its size in UTF-8.
 */
export interface ShardEntry {
  seq: number;
  line: number;
  itemKey: string;
  requestKey: string;
  text: string | ReadonlyArray<string | Uint8Array>;
  bytes: number;
  estTokens: number;
}

/** One manifest line: what collect needs to turn a custom_id back into an item. */
export type ManifestLine = [seq: number, line: number, estTokens: number, itemKey: string, requestKey: string];

/**
 * Cuts a stream of requests into shard files within the provider's limits (requests, bytes, estimated
 * tokens), writing each shard's input file and its manifest side by side. Shards are numbered from 0 in the
 * order requests arrive, so the same input always yields the same shards.
 */
export class ShardWriter {
  private readonly shards: ShardRef[] = [];
  private current: { ref: ShardRef; data: BlobWriter; manifest: BlobWriter } | undefined;
  /** The shard before the current one, still being closed (its last parts uploading) while the next fills. */
  private closing: Promise<void> | undefined;

  constructor(
    private readonly blobs: BlobStore,
    private readonly where: Omit<ShardAddress, 'index'>,
    private readonly limits: ShardLimits,
  ) {}

  /** Adds a request; returns a promise only when it had to write to storage (await it then). */
  add(entry: ShardEntry): Promise<void> | void {
    const open = this.current;
    if (open && !this.fits(open.ref, entry.bytes, entry.estTokens)) return this.closeCurrent().then(() => this.append(entry));
    return this.append(entry);
  }

  private append(entry: ShardEntry): Promise<void> | void {
    const shard = this.current ?? this.open();
    shard.ref.requests++;
    shard.ref.bytes += entry.bytes;
    shard.ref.estTokens += entry.estTokens;
    const data = typeof entry.text === 'string' ? shard.data.write(entry.text) : writePieces(shard.data, entry.text);
    const manifest = shard.manifest.write(manifestLine([entry.seq, entry.line, entry.estTokens, entry.itemKey, entry.requestKey]));
    if (data || manifest) return Promise.all([data, manifest]).then(() => undefined);
  }

  /**
   * Adds a rendered chunk's requests (bad rows in it are skipped) in runs: each stretch that fits the current
   * shard is written as one slice of the chunk's batch lines and manifest lines.
   */
  async addChunk(chunk: RenderedChunk): Promise<void> {
    let from = 0; // first item of the stretch not yet written
    let dataFrom = 0;
    let manifestFrom = 0;
    const writeStretch = async (to: number) => {
      const dataTo = to > 0 ? chunk.dataEnds[to - 1]! : 0;
      const manifestTo = to > 0 ? chunk.manifestEnds[to - 1]! : 0;
      if (this.current && dataTo > dataFrom) {
        const data = this.current.data.write(chunk.data.subarray(dataFrom, dataTo));
        const manifest = this.current.manifest.write(chunk.manifest.subarray(manifestFrom, manifestTo));
        if (data) await data;
        if (manifest) await manifest;
      }
      from = to;
      dataFrom = dataTo;
      manifestFrom = manifestTo;
    };
    for (let i = 0; i < chunk.items; i++) {
      if (chunk.problems[i] !== null) continue;
      const bytes = chunk.dataEnds[i]! - (i > 0 ? chunk.dataEnds[i - 1]! : 0);
      const estTokens = chunk.estTokens[i]!;
      if (this.current && !this.fits(this.current.ref, bytes, estTokens)) {
        await writeStretch(i);
        await this.closeCurrent();
      }
      const ref = (this.current ?? this.open()).ref;
      ref.requests++;
      ref.bytes += bytes;
      ref.estTokens += estTokens;
    }
    if (from < chunk.items) await writeStretch(chunk.items);
  }

  /** Closes the last shard; returns every shard written, in order. */
  async finish(): Promise<ShardRef[]> {
    await this.closeCurrent();
    await this.closing;
    return this.shards;
  }

  /** Discards the shard being written (on failure). */
  async abort(): Promise<void> {
    await this.current?.data.abort();
    await this.current?.manifest.abort();
    this.current = undefined;
    await this.closing?.catch(() => undefined); // a closed shard stays, as earlier shards do (gc removes them)
  }

  private fits(ref: ShardRef, bytes: number, estTokens: number): boolean {
    if (ref.requests + 1 > this.limits.maxRequests) return false;
    if (ref.bytes + bytes > this.limits.maxBytes) return false;
    if (this.limits.maxTokens !== undefined && ref.estTokens + estTokens > this.limits.maxTokens) return false;
    return true;
  }

  private open() {
    const address: ShardAddress = { ...this.where, index: this.shards.length };
    const ref: ShardRef = { index: address.index, requests: 0, bytes: 0, estTokens: 0 };
    this.current = {
      ref,
      data: this.blobs.createWriter(jobLayout.shardInput(address)),
      manifest: this.blobs.createWriter(jobLayout.shardManifest(address)),
    };
    return this.current;
  }

  /**
   * Starts closing the current shard and returns once the shard before it is closed: on object storage a close
   * uploads the last parts and completes the upload, which overlaps with filling the next shard, one close at a
   * time. finish() waits for the last one; a failed close fails the prepare there or at the next shard's end.
   */
  private async closeCurrent(): Promise<void> {
    if (!this.current) return;
    const { data, manifest, ref } = this.current;
    this.current = undefined;
    this.shards.push(ref);
    const previous = this.closing;
    const closing = Promise.all([data.close(), manifest.close()]).then(() => undefined);
    closing.catch(() => undefined); // seen when awaited; not an unhandled rejection meanwhile
    this.closing = closing;
    await previous;
  }
}

/** Writes pieces in order; a promise only when one of the writes had to wait. */
function writePieces(writer: BlobWriter, pieces: ReadonlyArray<string | Uint8Array>): Promise<void> | void {
  let waits: Array<Promise<void>> | undefined;
  for (const piece of pieces) {
    const wait = writer.write(piece);
    if (wait) (waits ??= []).push(wait);
  }
  if (waits) return Promise.all(waits).then(() => undefined);
}
