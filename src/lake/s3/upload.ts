import type { CompletedPart, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/** Above this a file goes up in parts (S3 allows 5 GiB in one PUT, but a failed part is cheaper to retry). */
export const MULTIPART_THRESHOLD = 64 * 1024 * 1024;
/** S3's minimum part size is 5 MiB (all but the last); 16 MiB keeps a 10 GB file under 1000 parts. */
export const PART_SIZE = 16 * 1024 * 1024;
/** Object metadata holding the content MD5, so a multipart object (whose ETag is not an MD5) can be compared too. */
export const MD5_META = 'fraudctl-md5';

export interface UploadOptions {
  multipartThreshold?: number;
  partSize?: number;
}

export interface UploadResult {
  etag: string;
  size: number;
  md5: string;
  parts: number;
}

export async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Uploads a local file as one object. S3 publishes an object only when its PUT (or
 * CompleteMultipartUpload) succeeds, so readers see the previous object or the new one, never a
 * part; nothing is deleted first. A failed multipart upload is aborted so no parts linger.
 */
export async function uploadFile(client: S3Client, bucket: string, key: string, path: string, opts: UploadOptions = {}): Promise<UploadResult> {
  const sdk = await import('@aws-sdk/client-s3');
  const size = (await stat(path)).size;
  const md5 = await md5File(path);
  const threshold = opts.multipartThreshold ?? MULTIPART_THRESHOLD;
  const meta = { [MD5_META]: md5 };
  if (size <= threshold) {
    const { readFile } = await import('node:fs/promises');
    const body = await readFile(path);
    const out = await client.send(
      new sdk.PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentLength: size,
        // The store checks the bytes it got against this (BadDigest otherwise).
        ContentMD5: Buffer.from(md5, 'hex').toString('base64'),
        ContentType: 'application/vnd.apache.parquet',
        Metadata: meta,
      }),
    );
    return { etag: out.ETag ?? `"${md5}"`, size, md5, parts: 1 };
  }

  const partSize = Math.max(opts.partSize ?? PART_SIZE, 5 * 1024 * 1024);
  const created = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'application/vnd.apache.parquet', Metadata: meta }));
  const uploadId = created.UploadId;
  if (!uploadId) throw new Error(`CreateMultipartUpload for ${key} returned no UploadId`);
  const fh = await open(path, 'r');
  try {
    const parts: CompletedPart[] = [];
    for (let offset = 0, n = 1; offset < size; offset += partSize, n++) {
      const len = Math.min(partSize, size - offset);
      const buf = Buffer.alloc(len);
      const { bytesRead } = await fh.read(buf, 0, len, offset);
      if (bytesRead !== len) throw new Error(`short read of ${path} at ${offset}: ${bytesRead} of ${len} bytes`);
      const partMd5 = createHash('md5').update(buf).digest('base64');
      const out = await client.send(new sdk.UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: n, Body: buf, ContentLength: len, ContentMD5: partMd5 }));
      parts.push({ PartNumber: n, ETag: out.ETag });
    }
    const done = await client.send(new sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    return { etag: done.ETag ?? '', size, md5, parts: parts.length };
  } catch (e) {
    // Best effort: the original error is what the user needs; an abort that fails leaves parts the
    // bucket's lifecycle rule (AbortIncompleteMultipartUpload) cleans up.
    await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
    throw e;
  } finally {
    await fh.close();
  }
}
