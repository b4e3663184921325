import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { LakeSettings } from '../config.js';

/** The S3 settings a download needs (the lake's endpoint, region and credentials). */
type S3Settings = Pick<LakeSettings, 's3Endpoint' | 's3Region' | 's3PathStyle' | 'awsAccessKeyId' | 'awsSecretAccessKey' | 'awsSessionToken'>;
import { ExitCode, FraudctlError } from '../errors.js';
import { isNotFound, s3Failure } from '../lake/s3/s3Errors.js';
import type { Logger } from '../log.js';
import { createS3Client, parseS3Uri } from '../s3/client.js';
import type { IngestInput } from './ingest.js';

/**
 * The FILE arguments as local paths. Local files are used in place; s3://bucket/key files are
 * downloaded into a temporary directory first (the checks and DuckDB's parallel CSV reader want a
 * local file), with the lake's S3 settings and credentials.
 */
export async function resolveInputs(
  files: string[],
  ctx: { s3: S3Settings; cwd: string; tmpDir: string; log: Logger; signal?: AbortSignal },
): Promise<{ files: IngestInput[]; cleanup: () => Promise<void> }> {
  const out: IngestInput[] = [];
  let dir: string | undefined;
  const cleanup = async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const [i, f] of files.entries()) {
      if (!f.startsWith('s3://')) {
        const path = resolve(ctx.cwd, f);
        out.push({ path, name: path });
        continue;
      }
      if (!dir) {
        await mkdir(ctx.tmpDir, { recursive: true });
        dir = await mkdtemp(join(ctx.tmpDir, 'fraudctl-input-'));
      }
      const path = join(dir, `${i}-${basename(f) || 'input'}`);
      await download(f, path, ctx);
      out.push({ path, name: f });
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { files: out, cleanup };
}

async function download(uri: string, path: string, ctx: { s3: S3Settings; log: Logger; signal?: AbortSignal }): Promise<void> {
  let bucket: string;
  let key: string;
  try {
    ({ bucket, prefix: key } = parseS3Uri(uri));
  } catch {
    throw new FraudctlError(`${uri} is not an s3://bucket/key URI`, ExitCode.Usage);
  }
  if (key === '') throw new FraudctlError(`${uri} names a bucket, not a file (s3://bucket/key)`, ExitCode.Usage);
  const c = ctx.s3;
  const client = await createS3Client({
    endpoint: c.s3Endpoint,
    region: c.s3Region,
    pathStyle: c.s3PathStyle,
    accessKeyId: c.awsAccessKeyId,
    secretAccessKey: c.awsSecretAccessKey,
    sessionToken: c.awsSessionToken,
  });
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const t = performance.now();
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: ctx.signal });
    if (!res.Body) throw new FraudctlError(`${uri}: empty response from S3`, ExitCode.Unavailable);
    await pipeline(res.Body as Readable, createWriteStream(path), { signal: ctx.signal });
  } catch (e) {
    if (e instanceof FraudctlError) throw e;
    if (ctx.signal?.aborted) throw new FraudctlError('interrupted while downloading the input', ctx.signal.reason === 'SIGTERM' ? ExitCode.Sigterm : ExitCode.Sigint);
    if (isNotFound(e)) throw new FraudctlError(`input file ${uri} not found`, ExitCode.Data);
    throw s3Failure(e, { op: `download ${uri}`, bucket, endpoint: c.s3Endpoint });
  } finally {
    client.destroy();
  }
  ctx.log.info({ file: uri, seconds: +((performance.now() - t) / 1000).toFixed(2) }, 'ingest: downloaded');
}
