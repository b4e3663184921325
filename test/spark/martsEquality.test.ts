import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, sqlString, type Db } from '../../src/lake/db.js';
import { runCli } from '../helpers/cli.js';
import { tmpLakeDir } from '../features/helpers/txLake.js';
import { startSparkCluster, type SparkCluster } from './sparkCluster.js';
import { expectSameMarts, filesUnder, MARTS } from './expectSameMarts.js';
import { startS3Server, type S3ServerHandle } from '../helpers/s3server.js';
import { createS3Client } from '../../src/s3/client.js';

/**
 * `marts build --engine spark` on a real standalone Spark (master + two workers + Spark Connect)
 * against `--engine duckdb` on a copy of the same simulated lake: the same partitions, rows,
 * schema and key-value metadata, every value within 1e-9.
 */
describe('marts on Spark equal the marts on DuckDB', () => {
  let spark: SparkCluster;
  let s3: S3ServerHandle;
  let db: Db;
  const duck = tmpLakeDir('fraudctl-spark-duck-');
  const lake = tmpLakeDir('fraudctl-spark-lake-');
  const env = () => ({ FRAUDCTL_SPARK_REMOTE: spark.remote });

  beforeAll(async () => {
    const [cluster, sim, server] = await Promise.all([
      startSparkCluster(),
      runCli(['simulate', '--start', '2025-01-01', '--days', '38', '--customers', '300', '--terminals', '200', '--radius', '15', '--seed', '8', '--lake', duck], { cwd: duck }),
      startS3Server(['lake']),
    ]);
    spark = cluster;
    s3 = server;
    console.log(`spark-local.sh start: ${spark.startSeconds.toFixed(1)} s`);
    expect(sim.code, sim.stderr).toBe(0);
    await cp(join(duck, 'transactions'), join(lake, 'transactions'), { recursive: true });
    db = await openDb({ threads: 2 });
  }, 700_000);
  afterAll(async () => {
    db?.close();
    await Promise.all([spark?.stop(), s3?.close()]);
  }, 90_000);

  const build = (root: string, engine: string, ...args: string[]) => runCli(['marts', 'build', ...args, '--engine', engine, '--lake', root, '--json'], { cwd: root, env: env() });

  it('a full-history day and a partial-history day (empty bands): same files, schema, metadata and values', async () => {
    const started = performance.now();
    for (const args of [['--date', '2025-02-07'], ['--date', '2025-01-05', '--allow-partial-history']]) {
      const d = await build(duck, 'duckdb', ...args);
      expect(d.code, d.stderr).toBe(0);
      const s = await build(lake, 'spark', ...args);
      expect(s.code, s.stderr).toBe(0);
      expect(s.json?.engine).toBe('spark');
      // The same row counts reported per day.
      expect((s.json?.days as { customers: number; terminals: number }[]).map((r) => [r.customers, r.terminals])).toEqual(
        (d.json?.days as { customers: number; terminals: number }[]).map((r) => [r.customers, r.terminals]),
      );
    }
    console.log(`spark builds (2 days, 4 marts): ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // Same partition layout, nothing else left behind (no temporary prefix).
    // DuckDB also keeps the incremental builder's window states (features/…/_state, a cache); Spark runs the full builder and writes none.
    const marts = async (dir: string) => (await filesUnder(dir)).filter((f) => !f.startsWith('/_state/'));
    for (const ds of MARTS) expect(await filesUnder(join(lake, ds))).toEqual(await marts(join(duck, ds)));
    expect((await filesUnder(join(duck, 'features/customer'))).filter((f) => f.startsWith('/_state/'))).toEqual(['/_state/date=2025-01-05/data.parquet', '/_state/date=2025-02-07/data.parquet']);
    expect(await filesUnder(join(lake, 'features/customer'))).toEqual(['/date=2025-01-05/data.parquet', '/date=2025-02-07/data.parquet']);

    await expectSameMarts(db, duck, lake, ['2025-01-05', '2025-02-07']);
    // The terminal mart of 2025-01-05 covers 2024-11-30…2024-12-29 (delay 7), before the lake's first day: empty on both.
    expect((await db.all(`SELECT count(*)::INT AS n FROM read_parquet(${sqlString(join(duck, 'features/terminal/date=2025-01-05/data.parquet'))})`))[0]).toEqual({ n: 0 });
  }, 600_000);

  it('a failing Spark job leaves the previous partitions as they were and no temporary prefix', async () => {
    const part = join(lake, 'features/customer/date=2025-02-07/data.parquet');
    const before = await readFile(part);
    // One transaction partition of the window becomes unreadable: Spark's read fails.
    const tx = join(lake, 'transactions/date=2025-02-01/data.parquet');
    const good = await readFile(tx);
    await writeFile(tx, 'not parquet');
    try {
      const r = await build(lake, 'spark', '--date', '2025-02-07', '--overwrite');
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/Spark Connect sc:\/\/127\.0\.0\.1:\d+ failed/);
    } finally {
      await writeFile(tx, good);
    }
    expect((await readFile(part)).equals(before)).toBe(true);
    expect(await filesUnder(join(lake, 'features/customer/date=2025-02-07'))).toEqual(['/data.parquet']);
  }, 300_000);

  it('an unreachable Spark Connect server is exit 4 naming it, before anything is written', async () => {
    const r = await runCli(['marts', 'build', '--date', '2025-02-06', '--engine', 'spark', '--spark-remote', 'sc://127.0.0.1:1', '--lake', lake], { cwd: lake });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('Spark Connect sc://127.0.0.1:1 is unavailable');
    expect(await filesUnder(join(lake, 'features/customer'))).not.toContain('/date=2025-02-06/data.parquet');
  }, 60_000);

  it('an s3:// lake: Spark reads and writes through s3a:// with the lake\'s endpoint and keys; the marts equal DuckDB\'s; no secret in any output', async () => {
    const cwd = tmpLakeDir('fraudctl-spark-s3-');
    const env = { ...s3.env, FRAUDCTL_SPARK_REMOTE: spark.remote };
    const remote = 's3://lake/prod';
    const sync = await runCli(['lake', 'sync', '--from', duck, '--to', remote, '--dataset', 'transactions', '--json'], { cwd, env });
    expect(sync.code, sync.stderr).toBe(0);
    const client = await createS3Client({ endpoint: s3.endpoint, region: s3.region, pathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey });
    const { ListObjectsV2Command, HeadObjectCommand, PutObjectCommand, GetObjectCommand } = await import('@aws-sdk/client-s3');
    const keys = async () => ((await client.send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'prod/features/' }))).Contents ?? []).map((o) => o.Key!).sort();
    const noSecret = (r: { stdout: string; stderr: string }) => {
      expect(r.stdout + r.stderr).not.toContain(s3.secretAccessKey);
    };

    const built = await runCli(['marts', 'build', '--date', '2025-02-07', '--engine', 'spark', '--lake', remote, '--log-level', 'debug', '--json'], { cwd, env });
    expect(built.code, built.stderr).toBe(0);
    expect(built.json?.engine).toBe('spark');
    expect(built.stderr).toContain('through s3a://');
    noSecret(built);
    // Exactly the two partitions, published whole; Spark's temporary prefix is gone.
    expect(await keys()).toEqual(['prod/features/customer/date=2025-02-07/data.parquet', 'prod/features/terminal/date=2025-02-07/data.parquet']);
    const back = join(cwd, 'back');
    for (const ds of MARTS) {
      const r = await runCli(['lake', 'sync', '--from', remote, '--to', back, '--dataset', ds, '--json'], { cwd, env });
      expect(r.code, r.stderr).toBe(0);
    }
    await expectSameMarts(db, duck, back, ['2025-02-07']);

    // Spark's job fails on S3 (a transaction partition of the window is not parquet): exit 3, the
    // published partition unchanged, no temporary prefix left, and still no secret in the message.
    const part = { Bucket: 'lake', Key: 'prod/features/customer/date=2025-02-07/data.parquet' };
    const etag = (await client.send(new HeadObjectCommand(part))).ETag;
    const tx = { Bucket: 'lake', Key: 'prod/transactions/date=2025-02-01/data.parquet' };
    const good = await (await client.send(new GetObjectCommand(tx))).Body!.transformToByteArray();
    await client.send(new PutObjectCommand({ ...tx, Body: 'not parquet' }));
    try {
      const failed = await runCli(['marts', 'build', '--date', '2025-02-07', '--engine', 'spark', '--lake', remote, '--overwrite', '--log-level', 'debug'], { cwd, env });
      expect(failed.code, failed.stderr).toBe(3);
      expect(failed.stderr).toMatch(/Spark Connect sc:\/\/127\.0\.0\.1:\d+ failed/);
      noSecret(failed);
    } finally {
      await client.send(new PutObjectCommand({ ...tx, Body: good }));
    }
    expect((await client.send(new HeadObjectCommand(part))).ETag).toBe(etag);
    expect((await keys()).filter((k) => k.includes('.spark-'))).toEqual([]);
    client.destroy();
  }, 600_000);
});
