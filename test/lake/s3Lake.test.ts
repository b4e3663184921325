import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode, FraudctlError } from '../../src/errors.js';
import type { Db } from '../../src/lake/db.js';
import { S3Lake, type S3Mode } from '../../src/lake/s3Lake.js';
import { createLogger } from '../../src/log.js';
import { createS3Client } from '../../src/s3/client.js';
import { startS3Server, type S3ServerHandle } from '../helpers/s3server.js';

let s3: S3ServerHandle;
beforeAll(async () => {
  s3 = await startS3Server(['lake']);
});
afterAll(async () => s3?.close());

const quietLog = () => createLogger({ level: 'silent', stream: process.stderr, pretty: false });

function lakeAt(uri: string, o: { cacheDir?: string; mode?: S3Mode; client?: S3Client; key?: string; secret?: string; endpoint?: string; multipartThreshold?: number } = {}) {
  return new S3Lake({
    uri,
    settings: { endpoint: o.endpoint ?? s3.endpoint, region: 'us-east-1', pathStyle: true, accessKeyId: o.key ?? s3.accessKeyId, secretAccessKey: o.secret ?? s3.secretAccessKey },
    mode: o.mode ?? 'sync',
    cacheDir: o.cacheDir ?? mkdtempSync(join(tmpdir(), 'fraudctl-cache-')),
    log: quietLog(),
    client: o.client,
    upload: { multipartThreshold: o.multipartThreshold, partSize: 5 * 1024 * 1024 },
  });
}

const writeBytes = (lake: S3Lake, day: string, bytes: string | Buffer) => lake.writePartition('transactions', day, async (tmp) => writeFileSync(tmp, bytes));

async function objectBytes(key: string): Promise<string> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const client = await createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', pathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
  const out = await client.send(new GetObjectCommand({ Bucket: 'lake', Key: key }));
  return out.Body!.transformToString();
}

async function failure(p: Promise<unknown>): Promise<FraudctlError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(FraudctlError);
  return e as FraudctlError;
}

/** A client whose `failOn` command throws (after the SDK's own handling), to simulate a broken upload. */
async function clientFailingOn(failOn: (name: string, input: Record<string, unknown>) => boolean) {
  const client = await createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', pathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '';
      sent.push(name);
      if (failOn(name, args.input as Record<string, unknown>)) throw Object.assign(new Error('connection reset'), { name: 'Error', code: 'ECONNRESET', $metadata: { attempts: 3 } });
      return next(args);
    },
    { step: 'initialize', name: 'injectFailure' },
  );
  return { client, sent };
}

describe('S3 lake on a SigV4-checking server (moto)', () => {
  it('lists the days that have a data.parquet key, and has() agrees', async () => {
    const lake = lakeAt('s3://lake/list');
    for (const d of ['2025-01-03', '2025-01-01', '2025-01-02']) await writeBytes(lake, d, `day ${d}`);
    await lake.writePartition('scores', '2025-01-02', async (tmp) => writeFileSync(tmp, 'scores'));
    expect(await lake.listDays('transactions')).toEqual(['2025-01-01', '2025-01-02', '2025-01-03']);
    expect(await lake.listDays('scores')).toEqual(['2025-01-02']);
    expect(await lake.listDays('features/customer')).toEqual([]);
    expect(await lake.has('transactions', '2025-01-02')).toBe(true);
    expect(await lake.has('transactions', '2025-01-04')).toBe(false);
    expect(lake.partitionUri('transactions', '2025-01-02')).toBe('s3://lake/list/transactions/date=2025-01-02/data.parquet');
    expect(await objectBytes('list/transactions/date=2025-01-03/data.parquet')).toBe('day 2025-01-03');
  });

  it('syncs exactly the needed partitions into the cache, and a second read downloads nothing', async () => {
    await writeBytes(lakeAt('s3://lake/cache'), '2025-02-01', 'one');
    await writeBytes(lakeAt('s3://lake/cache'), '2025-02-02', 'two');
    await writeBytes(lakeAt('s3://lake/cache'), '2025-02-03', 'three');
    const cacheDir = mkdtempSync(join(tmpdir(), 'fraudctl-cache-'));
    const lake = lakeAt('s3://lake/cache', { cacheDir });
    const paths = await lake.pathsForRead('transactions', ['2025-02-03', '2025-02-01']);
    expect(paths).toEqual([
      join(cacheDir, 's3', 'lake', 'cache', 'transactions', 'date=2025-02-03', 'data.parquet'),
      join(cacheDir, 's3', 'lake', 'cache', 'transactions', 'date=2025-02-01', 'data.parquet'),
    ]);
    expect(paths.map((p) => readFileSync(p, 'utf8'))).toEqual(['three', 'one']);
    expect(lake.cache.stats).toMatchObject({ downloads: 2, downloadedBytes: 8, hits: 0 });

    const again = lakeAt('s3://lake/cache', { cacheDir });
    await again.pathsForRead('transactions', ['2025-02-01', '2025-02-03']);
    expect(again.cache.stats).toMatchObject({ downloads: 0, hits: 2 });

    // A changed object has a new ETag: only that one is fetched again.
    await writeBytes(lakeAt('s3://lake/cache'), '2025-02-01', 'one, rewritten');
    const third = lakeAt('s3://lake/cache', { cacheDir });
    const [p1] = await third.pathsForRead('transactions', ['2025-02-01', '2025-02-03']);
    expect(readFileSync(p1, 'utf8')).toBe('one, rewritten');
    expect(third.cache.stats).toMatchObject({ downloads: 1, hits: 1 });
  });

  it('keeps what it uploaded as the cached copy, so reading it back downloads nothing', async () => {
    const lake = lakeAt('s3://lake/adopt');
    await writeBytes(lake, '2025-03-01', 'fresh');
    const [path] = await lake.pathsForRead('transactions', ['2025-03-01']);
    expect(readFileSync(path, 'utf8')).toBe('fresh');
    expect(lake.cache.stats.downloads).toBe(0);
  });

  it('a missing partition is exit 3 naming the days', async () => {
    const lake = lakeAt('s3://lake/missing');
    await writeBytes(lake, '2025-01-01', 'x');
    const e = await failure(lake.pathsForRead('transactions', ['2025-01-01', '2025-01-02', '2025-01-05']));
    expect(e.exitCode).toBe(ExitCode.Data);
    expect(e.message).toBe('transactions partitions missing in s3://lake/missing: 2025-01-02, 2025-01-05');
  });

  it('a missing bucket is exit 2 naming the bucket, for writes and for reads', async () => {
    const lake = lakeAt('s3://no-such-bucket/lake');
    const w = await failure(lake.ensureWritable());
    expect(w.exitCode).toBe(ExitCode.Usage);
    expect(w.message).toContain("S3 bucket 'no-such-bucket' does not exist");
    const r = await failure(lake.pathsForRead('transactions', ['2025-01-01']));
    expect(r.exitCode).toBe(ExitCode.Usage);
    expect(r.message).toContain("'no-such-bucket'");
    const l = await failure(lake.listDays('transactions'));
    expect(l.exitCode).toBe(ExitCode.Usage);
  });

  it('a wrong secret (right key id) is exit 2 SignatureDoesNotMatch, and the secret is not in the error', async () => {
    const wrong = `${s3.secretAccessKey.slice(0, -4)}Xq42`;
    const lake = lakeAt('s3://lake/x', { secret: wrong });
    for (const call of [() => lake.ensureWritable(), () => lake.has('transactions', '2025-01-01'), () => lake.listDays('transactions')]) {
      const e = await failure(call());
      expect(e.exitCode).toBe(ExitCode.Usage);
      expect(e.message).toMatch(/SignatureDoesNotMatch|403/);
      expect(`${e.message} ${e.hint}`).not.toContain(wrong);
      expect(`${e.message} ${e.hint}`).not.toContain(s3.secretAccessKey);
    }
    // The list names the code itself (a HEAD answer has no body to carry it).
    expect((await failure(lake.listDays('transactions'))).message).toContain('SignatureDoesNotMatch');
  });

  it('an unknown key id is exit 2 InvalidAccessKeyId, without the key or the secret', async () => {
    const lake = lakeAt('s3://lake/x', { key: 'AKIAWRONGKEYID123456', secret: 'wrong-secret-value-42' });
    for (const call of [() => lake.ensureWritable(), () => lake.has('transactions', '2025-01-01'), () => lake.listDays('transactions')]) {
      const e = await failure(call());
      expect(e.exitCode).toBe(ExitCode.Usage);
      expect(`${e.message} ${e.hint}`).not.toContain('wrong-secret-value-42');
      expect(`${e.message} ${e.hint}`).not.toContain('AKIAWRONGKEYID123456');
    }
    expect((await failure(lake.listDays('transactions'))).message).toContain('InvalidAccessKeyId');
  });

  it('an unreachable endpoint is exit 4 after the SDK retries', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const e = await failure(lakeAt('s3://lake/x', { endpoint: `http://127.0.0.1:${port}` }).ensureWritable());
    expect(e.exitCode).toBe(ExitCode.Unavailable);
    expect(e.message).toMatch(/S3 unavailable at http:\/\/127\.0\.0\.1:\d+: check bucket in bucket 'lake' failed after 3 attempts: ECONNREFUSED/);
  });
});

describe('S3 lake writes are atomic', () => {
  const key = 'atomic/transactions/date=2025-01-01/data.parquet';

  it('a failed single PUT leaves the previous object, and nothing is deleted', async () => {
    await writeBytes(lakeAt('s3://lake/atomic'), '2025-01-01', 'old bytes');
    const { client, sent } = await clientFailingOn((name) => name === 'PutObjectCommand');
    const e = await failure(writeBytes(lakeAt('s3://lake/atomic', { client }), '2025-01-01', 'new bytes'));
    expect(e.exitCode).toBe(ExitCode.Unavailable);
    expect(sent).toEqual(['PutObjectCommand']);
    expect(await objectBytes(key)).toBe('old bytes');
  });

  it('a multipart upload that fails on its second part is aborted and leaves the previous object', async () => {
    const big = Buffer.alloc(6 * 1024 * 1024 + 10, 7); // two parts of 5 MiB and 1 MiB + 10 bytes
    const { client, sent } = await clientFailingOn((name, input) => name === 'UploadPartCommand' && input.PartNumber === 2);
    const e = await failure(writeBytes(lakeAt('s3://lake/atomic', { client, multipartThreshold: 1024 * 1024 }), '2025-01-01', big));
    expect(e.exitCode).toBe(ExitCode.Unavailable);
    expect(sent).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'AbortMultipartUploadCommand']);
    expect(await objectBytes(key)).toBe('old bytes');
  });

  it('a multipart upload that succeeds replaces the object and records its MD5', async () => {
    const big = Buffer.alloc(6 * 1024 * 1024 + 10, 7);
    const { client, sent } = await clientFailingOn(() => false);
    const lake = lakeAt('s3://lake/atomic-mp', { client, multipartThreshold: 1024 * 1024 });
    await writeBytes(lake, '2025-01-01', big);
    expect(sent).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand']);
    const head = await lake.head('transactions', '2025-01-01');
    const { createHash } = await import('node:crypto');
    expect(head).toMatchObject({ size: big.length, md5: createHash('md5').update(big).digest('hex') });
  });
});

describe('httpfs mode', () => {
  /** A Db that accepts LOAD httpfs and records statements (this machine has no httpfs to load). */
  function fakeDb(loadWorks: boolean) {
    const statements: string[] = [];
    const db = {
      async run(sql: string) {
        if (sql === 'LOAD httpfs' && !loadWorks) throw new Error('IO Error: Extension "/x/v1.5.5/linux_amd64/httpfs.duckdb_extension" not found.\nmore');
        statements.push(sql);
      },
    } as unknown as Db;
    return { db, statements };
  }

  it('creates the bucket-scoped secret and reads the exact s3:// partition URLs', async () => {
    const lake = lakeAt('s3://lake/httpfs/root', { mode: 'httpfs' });
    await writeBytes(lake, '2025-04-01', 'a');
    await writeBytes(lake, '2025-04-02', 'b');
    const { db, statements } = fakeDb(true);
    await lake.configureDb(db);
    expect(lake.mode).toBe('httpfs');
    const port = new URL(s3.endpoint).port;
    expect(statements).toEqual([
      'LOAD httpfs',
      `CREATE OR REPLACE SECRET fraudctl_s3 (TYPE s3, KEY_ID '${s3.accessKeyId}', SECRET '${s3.secretAccessKey}', REGION 'us-east-1', ENDPOINT '127.0.0.1:${port}', USE_SSL false, URL_STYLE 'path', SCOPE 's3://lake')`,
    ]);
    expect(await lake.pathsForRead('transactions', ['2025-04-02', '2025-04-01'])).toEqual([
      's3://lake/httpfs/root/transactions/date=2025-04-02/data.parquet',
      's3://lake/httpfs/root/transactions/date=2025-04-01/data.parquet',
    ]);
    expect(lake.cache.stats.downloads).toBe(0);
    const e = await failure(lake.pathsForRead('transactions', ['2025-04-03']));
    expect(e.exitCode).toBe(ExitCode.Data);
  });

  it('auto mode falls back to sync when httpfs cannot be loaded; httpfs mode is exit 2 naming --duckdb-extension-dir', async () => {
    const auto = lakeAt('s3://lake/httpfs/root', { mode: 'auto' });
    await auto.configureDb(fakeDb(false).db);
    expect(auto.mode).toBe('sync');
    const [p] = await auto.pathsForRead('transactions', ['2025-04-01']);
    expect(readFileSync(p, 'utf8')).toBe('a');

    const strict = lakeAt('s3://lake/httpfs/root', { mode: 'httpfs' });
    const e = await failure(strict.configureDb(fakeDb(false).db));
    expect(e.exitCode).toBe(ExitCode.Usage);
    expect(e.message).toContain('cannot load the httpfs extension');
    expect(e.hint).toContain('--duckdb-extension-dir');
  });

  it('a refused CREATE SECRET is exit 2 and its text (holding the secret) is not echoed', async () => {
    const lake = lakeAt('s3://lake/x', { mode: 'httpfs', secret: 'very-secret-9' });
    const db = {
      async run(sql: string) {
        if (sql.startsWith('CREATE')) throw new Error(`Parser Error: syntax error at or near ${sql}`);
      },
    } as unknown as Db;
    const e = await failure(lake.configureDb(db));
    expect(e.exitCode).toBe(ExitCode.Usage);
    expect(e.message).toBe("DuckDB refused the S3 secret for bucket 'lake' (httpfs mode)");
  });

  it('with a real DuckDB and an empty extension directory --s3-mode httpfs fails at once', async () => {
    const { openDb } = await import('../../src/lake/db.js');
    const db = await openDb({ threads: 1, extensionDir: mkdtempSync(join(tmpdir(), 'fraudctl-ext-')) });
    try {
      const t0 = Date.now();
      const e = await failure(lakeAt('s3://lake/x', { mode: 'httpfs' }).configureDb(db));
      expect(e.exitCode).toBe(ExitCode.Usage);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      db.close();
    }
  });
});
