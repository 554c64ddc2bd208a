import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidSpecError } from '../spec/spec-errors';

/** Where blobs live: a local directory (the embedded default), or an S3-compatible bucket and key prefix. */
export type BlobStoreLocation =
  | { kind: 'local'; dir: string }
  | {
    kind: 's3';
    bucket: string;
    /** Key prefix inside the bucket, without leading or trailing `/` ('' for the bucket's root). */
    prefix: string;
    /** A custom endpoint (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL): S3-compatible servers, addressed path-style. */
    endpoint?: string;
    /** AWS_REGION (else AWS_DEFAULT_REGION); with a custom endpoint and neither, us-east-1. */
    region?: string;
    forcePathStyle: boolean;
    /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) when set; else the SDK's chain (profiles, roles). */
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    /** Server-side encryption asked of S3 for every object written (LONGHAUL_S3_SSE, LONGHAUL_S3_SSE_KMS_KEY_ID). */
    serverSideEncryption?: S3ServerSideEncryption;
  };

/** S3 encrypts objects at rest with its own keys (`AES256`, SSE-S3) or a KMS key (`aws:kms`, SSE-KMS). */
export interface S3ServerSideEncryption {
  algorithm: 'AES256' | 'aws:kms';
  /** The KMS key (id, ARN or alias) for `aws:kms`; the bucket's default or the AWS managed key when omitted. */
  kmsKeyId?: string;
}

/** Where outcomes and records live: a SQLite file (the embedded default), or a PostgreSQL database. */
export type ResultStoreLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

function refuse(variable: string, message: string): never {
  throw new InvalidSpecError([{ path: variable, message }], 'configuration');
}

/**
 * The blob store a URL names: `s3://bucket/prefix` (S3-compatible; endpoint, region and keys from the standard
 * AWS variables, read here like every setting; without keys, the AWS SDK's default chain: AWS_PROFILE and
 * ~/.aws, instance and container roles), `file:///dir`, or a directory path (relative to `cwd`).
 * @throws InvalidSpecError naming LONGHAUL_BLOB_STORE.
 */
export function blobStoreLocation(url: string, env: NodeJS.ProcessEnv, cwd = process.cwd()): BlobStoreLocation {
  const variable = 'LONGHAUL_BLOB_STORE';
  if (url.startsWith('s3://')) {
    const rest = url.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/^\/+|\/+$/g, '');
    // S3's bucket naming rules (3-63 lowercase letters, digits, dots and hyphens)
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) refuse(variable, `"${bucket}" is not a valid bucket name (3-63 lowercase letters, digits, dots and hyphens) in ${url}`);
    const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
    if (endpoint && !/^https?:\/\//.test(endpoint)) refuse('AWS_ENDPOINT_URL_S3', `expected an http(s) URL, got "${endpoint}"`);
    const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || (endpoint ? 'us-east-1' : undefined);
    const credentials = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) }
      : undefined;
    const serverSideEncryption = s3Encryption(env);
    return {
      kind: 's3',
      bucket,
      prefix,
      ...(endpoint ? { endpoint } : {}),
      ...(region ? { region } : {}),
      forcePathStyle: Boolean(endpoint),
      ...(credentials ? { credentials } : {}),
      ...(serverSideEncryption ? { serverSideEncryption } : {}),
    };
  }
  if (url.startsWith('file://')) return { kind: 'local', dir: fileURLToPath(url) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) refuse(variable, `unsupported store "${url}": use s3://bucket/prefix, file:///dir or a directory`);
  return { kind: 'local', dir: path.resolve(cwd, url) };
}

/**
 * S3 server-side encryption from LONGHAUL_S3_SSE (`AES256` or `aws:kms`) and LONGHAUL_S3_SSE_KMS_KEY_ID (only with
 * `aws:kms`); undefined when unset (the bucket's default encryption applies).
 * @throws InvalidSpecError naming the variable.
 */
function s3Encryption(env: NodeJS.ProcessEnv): S3ServerSideEncryption | undefined {
  const algorithm = env.LONGHAUL_S3_SSE?.trim();
  const kmsKeyId = env.LONGHAUL_S3_SSE_KMS_KEY_ID?.trim();
  if (!algorithm) {
    if (kmsKeyId) refuse('LONGHAUL_S3_SSE_KMS_KEY_ID', 'needs LONGHAUL_S3_SSE=aws:kms');
    return undefined;
  }
  if (algorithm !== 'AES256' && algorithm !== 'aws:kms') refuse('LONGHAUL_S3_SSE', `expected AES256 or aws:kms, got "${algorithm}"`);
  if (kmsKeyId && algorithm !== 'aws:kms') refuse('LONGHAUL_S3_SSE_KMS_KEY_ID', 'is only used with LONGHAUL_S3_SSE=aws:kms');
  return { algorithm, ...(kmsKeyId ? { kmsKeyId } : {}) };
}

/**
 * The result store a URL names: `postgres://` or `postgresql://` (node-postgres connection strings), or a
 * SQLite file path (relative to `cwd`; `sqlite:` in front is allowed).
 * @throws InvalidSpecError naming LONGHAUL_RESULT_STORE.
 */
export function resultStoreLocation(url: string, cwd = process.cwd()): ResultStoreLocation {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) refuse('LONGHAUL_RESULT_STORE', `unsupported store "${redact(url)}": use postgres://... or a SQLite file`);
  return { kind: 'sqlite', file: path.resolve(cwd, url.replace(/^sqlite:/, '')) };
}

/** A URL with its password hidden, for messages and logs. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** How a location reads in one line (no secrets). */
export function describeLocation(location: BlobStoreLocation | ResultStoreLocation): string {
  switch (location.kind) {
    case 'local':
      return location.dir;
    case 's3':
      return `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}${location.endpoint ? ` at ${location.endpoint}` : ''}`;
    case 'sqlite':
      return location.file;
    case 'postgres':
      return redact(location.url);
  }
}
