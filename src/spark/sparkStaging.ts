import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ExitCode, FraudctlError } from '../errors.js';
import type { Dataset, Lake } from '../lake/lake.js';
import type { S3Lake } from '../lake/s3Lake.js';
import type { Day } from '../util/dates.js';

/**
 * Where Spark writes a mart's part files before fraudctl publishes the partition: a temporary
 * prefix beside the partition, in the lake itself (a directory of a local lake, a key prefix of
 * an S3 lake, which Spark writes through s3a://). `collect` checks Spark's _SUCCESS marker and
 * hands back a local glob of the part files for DuckDB's merge; `discard` removes the prefix.
 */
export interface StagedWrite {
  /** Where Spark writes (it must not exist yet). */
  sparkUri: string;
  /** Local glob of the part files, once Spark's write has succeeded. */
  collect(): Promise<{ glob: string; parts: number }>;
  discard(): Promise<void>;
}

export type SparkStaging = (ds: Dataset, day: Day, label: string) => Promise<StagedWrite>;

function noSuccess(label: string, where: string): FraudctlError {
  return new FraudctlError(`${label}: Spark's write to ${where} has no _SUCCESS marker`, ExitCode.Unavailable);
}
function noParts(label: string, where: string): FraudctlError {
  // Spark writes a part file with the schema even for an empty result; none means a broken write.
  return new FraudctlError(`${label}: Spark's write to ${where} left no parquet part file`, ExitCode.Unavailable);
}

/** Spark's executors read and write the lake's directory at the same paths (same machine or shared mount). */
export function localStaging(lake: Lake): SparkStaging {
  return async (ds, day, label) => {
    const prefix = join(dirname(lake.partitionUri(ds, day)), `.spark-${randomUUID()}`);
    await mkdir(dirname(prefix), { recursive: true });
    return {
      sparkUri: prefix,
      async collect() {
        const files = await readdir(prefix);
        if (!files.includes('_SUCCESS')) throw noSuccess(label, prefix);
        const parts = files.filter((f) => f.endsWith('.parquet')).length;
        if (parts === 0) throw noParts(label, prefix);
        return { glob: join(prefix, '*.parquet'), parts };
      },
      discard: () => rm(prefix, { recursive: true, force: true }),
    };
  };
}

/** s3://bucket/key as Hadoop's S3A file system names it. */
export function s3aUri(uri: string): string {
  return uri.replace(/^s3:\/\//, 's3a://');
}

/** Spark writes to s3a://bucket/<partition dir>/.spark-UUID/; fraudctl downloads the part files through the AWS SDK. */
export function s3Staging(lake: S3Lake): SparkStaging {
  return async (ds, day, label) => {
    const key = `${dirname(lake.key(ds, day))}/.spark-${randomUUID()}`;
    const where = `s3://${lake.bucket}/${key}`;
    let local: string | undefined;
    const { ListObjectsV2Command, GetObjectCommand, DeleteObjectsCommand } = await import('@aws-sdk/client-s3');
    const client = await lake.client();
    const list = async () => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: lake.bucket, Prefix: `${key}/`, ContinuationToken: token }));
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    };
    return {
      sparkUri: s3aUri(where),
      async collect() {
        const keys = await list();
        if (!keys.includes(`${key}/_SUCCESS`)) throw noSuccess(label, where);
        // Only the part files at the top of the prefix (Spark's _temporary/ is gone after a commit).
        const parts = keys.filter((k) => k.endsWith('.parquet') && !k.slice(key.length + 1).includes('/'));
        if (parts.length === 0) throw noParts(label, where);
        local = await mkdtemp(join(tmpdir(), 'fraudctl-spark-parts-'));
        for (const k of parts) {
          const res = await client.send(new GetObjectCommand({ Bucket: lake.bucket, Key: k }));
          await writeFile(join(local, k.slice(key.length + 1)), await res.Body!.transformToByteArray());
        }
        return { glob: join(local, '*.parquet'), parts: parts.length };
      },
      async discard() {
        if (local) await rm(local, { recursive: true, force: true });
        const keys = await list();
        for (let i = 0; i < keys.length; i += 1000) {
          await client.send(new DeleteObjectsCommand({ Bucket: lake.bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
        }
      },
    };
  };
}
