import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const S3RVER_KEY = 'S3RVER';

export interface S3rverHandle {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  /** Where s3rver keeps the buckets' files. */
  directory: string;
  /** The environment fraudctl needs to use this endpoint (credentials, endpoint, path style, region). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * s3rver on 127.0.0.1 (an ephemeral port) as the S3 endpoint, with `buckets` created (default
 * 'lake'). s3rver knows the key id S3RVER (secret S3RVER) and refuses unknown key ids with
 * InvalidAccessKeyId; it does not verify SigV4 signatures. Imported lazily (no type declarations).
 */
export async function startS3rver(buckets: string[] = ['lake']): Promise<S3rverHandle> {
  const directory = mkdtempSync(join(tmpdir(), 'fraudctl-s3rver-'));
  const mod = (await import('s3rver' as string)) as { default: new (o: Record<string, unknown>) => { run(): Promise<AddressInfo>; close(): Promise<void> } };
  const server = new mod.default({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const addr = await server.run();
  const endpoint = `http://127.0.0.1:${addr.port}`;
  return {
    endpoint,
    directory,
    env: {
      AWS_ACCESS_KEY_ID: S3RVER_KEY,
      AWS_SECRET_ACCESS_KEY: S3RVER_KEY,
      AWS_REGION: 'us-east-1',
      FRAUDCTL_S3_ENDPOINT: endpoint,
      FRAUDCTL_S3_PATH_STYLE: 'true',
    },
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
