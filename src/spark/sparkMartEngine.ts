import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sqlString, type Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import type { Logger } from '../log.js';
import { ExitCode, FraudctlError } from '../errors.js';
import { copyParquet, type MartEngine } from '../features/martEngine.js';
import { sparkDialect } from '../features/sqlDialect.js';
import { SparkConnect, type SparkProgress } from './sparkConnect.js';
import type { SparkRemote } from './sparkRemote.js';

export interface SparkMartEngineOptions {
  remote: SparkRemote;
  log: Logger;
  signal?: AbortSignal;
  onProgress?: (label: string, p: SparkProgress) => void;
}

/**
 * The marts computed by a Spark cluster through Spark Connect. Spark reads the lake's partitions
 * itself (the data never passes through fraudctl) and writes the mart's rows as part files under
 * a temporary prefix beside the partition; only when that write succeeded does fraudctl merge
 * the part files into the partition file — with the same DuckDB COPY, sort and key-value metadata
 * as the DuckDB engine — and the lake publishes it atomically. A failed or interrupted Spark job
 * leaves the previous partition as it was, and the temporary prefix is removed either way.
 *
 * The lake must be one Spark's executors read at the same paths: a local directory when the
 * cluster runs on this machine (tests, bench), a shared mount on a real cluster.
 */
export async function openSparkMartEngine(db: Db, lake: Lake, o: SparkMartEngineOptions): Promise<MartEngine> {
  if (lake.kind !== 'local') {
    throw new FraudctlError(`--engine spark: the lake ${lake.uri} is on S3; this version runs Spark over local or shared-mount lakes only`, ExitCode.Usage, {
      hint: 'mount the bucket at the same path on the Spark nodes and this machine (README "When one VM is not enough"), or build with --engine duckdb',
    });
  }
  let label = '';
  const spark = await SparkConnect.connect(o.remote, { signal: o.signal, onProgress: (p) => o.onProgress?.(label, p) });
  try {
    const version = await spark.version();
    o.log.info({ spark: o.remote.display, version }, `Spark Connect ${o.remote.display}: Spark ${version}`);
    // Session settings the marts rely on: UTC dates, and ANSI off so that x / 0 and casts behave as in DuckDB's SQL.
    await spark.setConf({ 'spark.sql.session.timeZone': 'UTC', 'spark.sql.ansi.enabled': 'false', 'spark.sql.parquet.compression.codec': 'zstd' });
  } catch (e) {
    spark.close();
    throw e;
  }
  return {
    name: 'spark',
    dialect: sparkDialect,
    // Spark addresses the partitions where they live; nothing is downloaded here.
    readPaths: async (l, ds, days) => {
      await l.pathsForRead(ds, days);
      return days.map((d) => l.partitionUri(ds, d));
    },
    async writeMart(query, target, out) {
      const prefix = join(dirname(lake.partitionUri(out.dataset, out.day)), `.spark-${randomUUID()}`);
      await mkdir(dirname(prefix), { recursive: true });
      label = out.label;
      const started = performance.now();
      try {
        await spark.writeParquet(query.sql, query.params, prefix);
        const parts = (await readdir(prefix)).filter((f) => f.endsWith('.parquet'));
        if (!(await readdir(prefix)).includes('_SUCCESS')) {
          throw new FraudctlError(`${out.label}: Spark's write to ${prefix} has no _SUCCESS marker`, ExitCode.Unavailable);
        }
        o.log.debug({ mart: out.label, parts: parts.length, sparkSeconds: Number(((performance.now() - started) / 1000).toFixed(2)) }, 'Spark wrote the mart');
        // Spark writes a part file with the schema even for an empty result; none means a broken write.
        if (parts.length === 0) throw new FraudctlError(`${out.label}: Spark's write to ${prefix} left no parquet part file`, ExitCode.Unavailable);
        // hive_partitioning off: the prefix sits under date=D/, which DuckDB would add as a column.
        const select = `SELECT * FROM read_parquet(${sqlString(join(prefix, '*.parquet'))}, hive_partitioning = false) ORDER BY ${out.orderBy}`;
        return await copyParquet(db, { sql: select, params: {} }, target, out.kv);
      } finally {
        await rm(prefix, { recursive: true, force: true });
      }
    },
    close: async () => spark.close(),
  };
}
