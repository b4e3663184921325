import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, sqlString, type Db } from '../../src/lake/db.js';
import { runCli } from '../helpers/cli.js';
import { tmpLakeDir } from '../features/helpers/txLake.js';
import { startSparkCluster, type SparkCluster } from './sparkCluster.js';

/**
 * `marts build --engine spark` on a real standalone Spark (master + two workers + Spark Connect)
 * against `--engine duckdb` on a copy of the same simulated lake: the same partitions, rows,
 * schema and key-value metadata, every value within 1e-9.
 */
const MARTS = ['features/customer', 'features/terminal'] as const;

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length));
  return out.sort();
}

describe('marts on Spark equal the marts on DuckDB', () => {
  let spark: SparkCluster;
  let db: Db;
  const duck = tmpLakeDir('fraudctl-spark-duck-');
  const lake = tmpLakeDir('fraudctl-spark-lake-');
  const env = () => ({ FRAUDCTL_SPARK_REMOTE: spark.remote });

  beforeAll(async () => {
    const [cluster, sim] = await Promise.all([
      startSparkCluster(),
      runCli(['simulate', '--start', '2025-01-01', '--days', '38', '--customers', '300', '--terminals', '200', '--radius', '15', '--seed', '8', '--lake', duck], { cwd: duck }),
    ]);
    spark = cluster;
    console.log(`spark-local.sh start: ${spark.startSeconds.toFixed(1)} s`);
    expect(sim.code, sim.stderr).toBe(0);
    await cp(join(duck, 'transactions'), join(lake, 'transactions'), { recursive: true });
    db = await openDb({ threads: 2 });
  }, 700_000);
  afterAll(async () => {
    db?.close();
    await spark?.stop();
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
    for (const ds of MARTS) expect(await filesUnder(join(lake, ds))).toEqual(await filesUnder(join(duck, ds)));
    expect(await filesUnder(join(lake, 'features/customer'))).toEqual(['/date=2025-01-05/data.parquet', '/date=2025-02-07/data.parquet']);

    for (const ds of MARTS) {
      for (const day of ['2025-01-05', '2025-02-07']) {
        const [a, b] = [join(duck, ds, `date=${day}`, 'data.parquet'), join(lake, ds, `date=${day}`, 'data.parquet')];
        const schema = (p: string) => db.all(`SELECT name, type, repetition_type, converted_type FROM parquet_schema(${sqlString(p)})`);
        expect(await schema(b)).toEqual(await schema(a));
        const kv = (p: string) => db.all(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${sqlString(p)}) WHERE decode(key) LIKE 'fraudctl.%' ORDER BY k`);
        expect(await kv(b)).toEqual(await kv(a));
        // delay, window end, missing history, spec name and spec hash
        expect((await kv(a)).map((r) => r.k)).toEqual(['fraudctl.delay', 'fraudctl.missing_history', 'fraudctl.spec', 'fraudctl.spec_hash', 'fraudctl.window_end']);
        const codec = (p: string) => db.all(`SELECT DISTINCT compression FROM parquet_metadata(${sqlString(p)})`);
        expect(await codec(b)).toEqual(await codec(a));
        const rowsA = await db.all<Record<string, unknown>>(`SELECT * FROM read_parquet(${sqlString(a)})`);
        const rowsB = await db.all<Record<string, unknown>>(`SELECT * FROM read_parquet(${sqlString(b)})`);
        // The terminal mart of 2025-01-05 covers 2024-11-30…2024-12-29 (delay 7), before the lake's first day: empty on both.
        if (ds === 'features/terminal' && day === '2025-01-05') expect(rowsA.length).toBe(0);
        else expect(rowsA.length).toBeGreaterThan(50);
        expect(rowsB.length).toBe(rowsA.length);
        for (let i = 0; i < rowsA.length; i += 1) {
          for (const [col, va] of Object.entries(rowsA[i])) {
            const vb = rowsB[i][col];
            if (typeof va === 'number') expect(Math.abs(va - (vb as number)), `${ds} ${day} row ${i} ${col}`).toBeLessThanOrEqual(1e-9);
            else expect(String(vb), `${ds} ${day} row ${i} ${col}`).toBe(String(va));
          }
        }
      }
    }
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
});
