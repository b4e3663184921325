import type { S3Client } from '@aws-sdk/client-s3';

export interface S3Settings {
  endpoint?: string;
  region: string;
  pathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

/**
 * One S3 client configuration for the lake and for MLflow artifacts: path-style addressing and
 * checksums only WHEN_REQUIRED (the SDK's default CRC32 checksums, since 3.729, are rejected by
 * S3-compatible stores such as Yandex Object Storage and older MinIO). Loaded lazily.
 */
export async function createS3Client(s: S3Settings): Promise<S3Client> {
  const { S3Client: Client } = await import('@aws-sdk/client-s3');
  return new Client({
    region: s.region,
    endpoint: s.endpoint,
    forcePathStyle: s.pathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // An endpoint that silently drops packets must end in an error (exit 4), not hang a cron job.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 300_000 },
    credentials: s.accessKeyId && s.secretAccessKey ? { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken } : undefined,
  });
}

/** Splits s3://bucket/some/prefix into bucket and key prefix (no leading or trailing slash). */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m || m[1] === '') throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: m[1], prefix: m[2].replace(/\/+$/, '') };
}
