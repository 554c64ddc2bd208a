import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PassThrough, type Readable } from 'node:stream';
import { BlobNotFoundError, blobReadStream, checkKey, checkPrefix, type BlobEntry, type BlobStore, type BlobWriter } from './blob-store';
import { BufferedBlobWriter } from './buffered-blob-writer';
import { signHeadersOnlyWhenChecksummed, WRITE_CHECKSUM } from './s3-write-checksums';
import { StorageUnavailableError } from './storage-errors';

/** Parts of a streamed upload: S3's minimum is 5 MiB; 8 MiB keeps a 200 MB shard file under 30 parts. */
const PART_BYTES = 8 * 1024 * 1024;
/** Parts uploaded at once per blob. */
const PARTS_IN_FLIGHT = 4;

export interface S3Location {
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing `/` ('' for the root). */
  prefix: string;
  endpoint?: string;
  region?: string;
  forcePathStyle: boolean;
  /** Explicit keys; else the AWS SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Server-side encryption asked of S3 for every object written. */
  serverSideEncryption?: { algorithm: 'AES256' | 'aws:kms'; kmsKeyId?: string };
}

/** The S3 client for a location: its keys when configured, else the SDK's default chain (profiles, roles). */
export function s3ClientFor(location: S3Location): S3Client {
  // writes carry a CRC32 the server checks (WRITE_CHECKSUM, given per request); nothing more is computed by
  // default: a CRC of every body read would cost CPU that collect needs (multipart objects' checksums are
  // composite, which the SDK cannot check on a whole read anyway)
  const config: S3ClientConfig = { forcePathStyle: location.forcePathStyle, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' };
  if (location.endpoint) config.endpoint = location.endpoint;
  if (location.region) config.region = location.region;
  // a copy: the SDK marks the object it is given, and the configuration is frozen
  if (location.credentials) config.credentials = { ...location.credentials };
  const client = new S3Client(config);
  signHeadersOnlyWhenChecksummed(client);
  return client;
}

/**
 * A BlobStore in an S3-compatible bucket (AWS S3, or any server speaking its API with SigV4: versitygw, MinIO,
 * R2, GCS's interoperability endpoint) under a key prefix. Writes stream as multipart uploads, never a whole
 * blob in memory, and appear under their key only when the upload completes (`close`); reads stream the
 * object's body. Workers on any number of machines share it.
 */
export class S3BlobStore implements BlobStore {
  readonly local = false;

  constructor(
    private readonly s3: S3Client,
    private readonly location: S3Location,
  ) {}

  /** Server-side encryption asked for each object written (sent with the single PUT or the multipart create). */
  private encryption(): { ServerSideEncryption?: 'AES256' | 'aws:kms'; SSEKMSKeyId?: string } {
    const sse = this.location.serverSideEncryption;
    return sse ? { ServerSideEncryption: sse.algorithm, ...(sse.kmsKeyId ? { SSEKMSKeyId: sse.kmsKeyId } : {}) } : {};
  }

  /** The object key of a blob key. */
  private objectKey(key: string): string {
    checkKey(key);
    return this.location.prefix ? `${this.location.prefix}/${key}` : key;
  }

  createWriter(key: string): BlobWriter {
    const body = new PassThrough({ highWaterMark: PART_BYTES });
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.location.bucket, Key: this.objectKey(key), Body: body, ChecksumAlgorithm: WRITE_CHECKSUM, ...this.encryption() },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    const done = upload.done();
    // a failed upload stops the writer (a write waiting for room fails with it)
    done.catch((err: unknown) => body.destroy(err instanceof Error ? err : new Error(String(err))));
    return new BufferedBlobWriter(body, {
      commit: async () => {
        await done;
      },
      discard: async () => {
        await upload.abort().catch(() => undefined);
      },
    });
  }

  read(key: string): Readable {
    const out = blobReadStream(1 << 20);
    this.s3.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) })).then(
      (answer) => {
        const body = answer.Body as Readable;
        out.on('close', () => body.destroy());
        body.on('error', (err) => out.destroy(err));
        body.pipe(out);
      },
      (err: unknown) => out.destroy(isNotFound(err) ? new BlobNotFoundError(key) : (err as Error)),
    );
    return out;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
      return head.ContentLength ?? 0;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  bucket(name: string): S3BlobStore {
    return new S3BlobStore(this.s3, { ...this.location, bucket: name, prefix: '' });
  }

  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: this.objectKey(key) }));
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.entries(prefix)).map((entry) => entry.key);
  }

  async entries(prefix: string): Promise<BlobEntry[]> {
    const found: BlobEntry[] = [];
    const strip = this.location.prefix ? this.location.prefix.length + 1 : 0;
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: this.objectPrefix(prefix), ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) found.push({ key: object.Key.slice(strip), bytes: object.Size ?? 0, modifiedMs: object.LastModified?.getTime() ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Deletes the objects under a prefix, up to 1,000 per request (DeleteObjects), and aborts its unfinished uploads. */
  async deletePrefix(prefix: string): Promise<number> {
    // a folder, as in the local store: `jobs/j1` must not take `jobs/j10/` with it
    const folder = `${checkPrefix(prefix).replace(/\/+$/, '')}/`;
    const keys = await this.list(folder);
    for (let i = 0; i < keys.length; i += 1000) {
      const objects = keys.slice(i, i + 1000).map((key) => ({ Key: this.objectKey(key) }));
      const answer = await this.s3.send(new DeleteObjectsCommand({ Bucket: this.location.bucket, Delete: { Objects: objects, Quiet: true } }));
      const failed = answer.Errors ?? [];
      if (failed.length > 0) throw new Error(`could not delete ${failed.length} objects under s3://${this.location.bucket}/${this.objectPrefix(folder)}: ${failed[0]!.Code ?? 'error'} ${failed[0]!.Message ?? ''}`.trim());
    }
    await this.removeUnfinished(folder);
    return keys.length;
  }

  /** Aborts the multipart uploads under a prefix that never completed (a process killed mid-write). */
  async removeUnfinished(prefix: string): Promise<number> {
    let removed = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const page = await this.s3.send(
        new ListMultipartUploadsCommand({
          Bucket: this.location.bucket,
          Prefix: this.objectPrefix(prefix),
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
        }),
      );
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId) continue;
        await this.s3.send(new AbortMultipartUploadCommand({ Bucket: this.location.bucket, Key: upload.Key, UploadId: upload.UploadId }));
        removed++;
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return removed;
  }

  localPath(): undefined {
    return undefined;
  }

  describe(key: string): string {
    return `s3://${this.location.bucket}/${this.objectKey(key)}`;
  }

  /**
   * Checks the bucket can be reached with these credentials (HeadBucket).
   * @throws StorageUnavailableError in one line: no such bucket, access denied, bad credentials, unreachable.
   */
  async check(): Promise<void> {
    try {
      await this.s3.send(new HeadBucketCommand({ Bucket: this.location.bucket }));
    } catch (err) {
      const where = `s3://${this.location.bucket}${this.location.endpoint ? ` at ${this.location.endpoint}` : ''}`;
      throw new StorageUnavailableError(`blob store ${where}: ${s3Problem(err)}`);
    }
  }

  private objectPrefix(prefix: string): string {
    const base = prefix.replace(/^\/+/, '');
    return this.location.prefix ? `${this.location.prefix}/${base}` : base;
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(err) === 404;
}

/** Why a bucket cannot be used, for people. */
function s3Problem(err: unknown): string {
  const status = statusOf(err);
  const name = (err as { name?: string; code?: string } | null)?.name ?? '';
  const code = (err as { code?: string } | null)?.code ?? '';
  if (status === 404 || name === 'NoSuchBucket' || name === 'NotFound') return 'the bucket does not exist';
  if (status === 403 || /InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|Forbidden/.test(name)) {
    return 'access denied: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the profile) and the bucket policy';
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET/.test(`${code} ${(err as Error)?.message ?? ''}`)) return `cannot connect (${code || (err as Error).message})`;
  if (/CredentialsProviderError|Could not load credentials/.test(`${name} ${(err as Error)?.message ?? ''}`)) return 'no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile)';
  return `${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${(err as Error)?.message ?? String(err)}`;
}
