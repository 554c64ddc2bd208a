import type { S3Client } from '@aws-sdk/client-s3';

/** The checksum every object and part written carries: the server recomputes it and refuses a body that differs. */
export const WRITE_CHECKSUM = 'CRC32' as const;

/**
 * Makes a request whose body carries a CRC32 checksum header (every PutObject and UploadPart Longhaul sends)
 * sign its headers only (`UNSIGNED-PAYLOAD`) instead of a SHA-256 of the whole body. The body is still checked:
 * the server recomputes the CRC32 and answers BadDigest when it differs (test/storage/s3-write-integrity.test.ts),
 * and the checksum header itself is signed. This is what the AWS SDK already does for streamed bodies
 * (STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer); lib-storage hands it buffers, which it would hash
 * twice over. CRC32 is native (zlib) and ~3x cheaper than SHA-256 here, on both sides: with S3 on the same two
 * cores, the server's CPU for a 200,000-item prepare drops from ~0.65 s to ~0.5 s.
 */
export function signHeadersOnlyWhenChecksummed(client: S3Client): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers;
      if (headers?.['x-amz-checksum-crc32']) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    // after the flexible-checksums middleware (same step, normal priority) set the checksum header, before signing
    { step: 'build', priority: 'low', name: 'longhaulUnsignedWhenChecksummed' },
  );
}
