import { sqlString, type Db } from '../lake/db.js';
import type { Dataset, Lake } from '../lake/lake.js';
import type { S3Lake } from '../lake/s3Lake.js';
import type { Day } from '../util/dates.js';
import { redact, s3aConf, type S3Credentials } from './s3aConf.js';
import { localStaging, s3aUri, s3Staging } from './sparkStaging.js';
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
 * a temporary prefix beside the partition (src/spark/sparkStaging.ts); only when that write
 * succeeded does fraudctl merge the part files into the partition file — with the same DuckDB
 * COPY, sort and key-value metadata as the DuckDB engine — and the lake publishes it atomically.
 * A failed or interrupted Spark job leaves the previous partition as it was, and the temporary
 * prefix is removed either way.
 *
 * A local lake must be one Spark's executors read at the same paths (this machine, or a shared
 * mount). An S3 lake is read and written through s3a:// with the lake's endpoint and credentials
 * (session settings, src/spark/s3aConf.ts); the cluster needs hadoop-aws and the AWS SDK on its
 * class path (scripts/spark-local.sh jars; Data Proc images ship them).
 */
export async function openSparkMartEngine(db: Db, lake: Lake, o: SparkMartEngineOptions): Promise<MartEngine> {
  const s3 = lake.kind === 's3' ? await s3Access(lake as S3Lake) : undefined;
  const staging = s3 ? s3Staging(lake as S3Lake) : localStaging(lake);
  const secrets = s3 ? s3.secrets : [];
  // Spark's errors can echo settings; none of the lake's secrets leaves this engine in one.
  const guard = async <T>(f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      if (e instanceof FraudctlError && secrets.length > 0) throw new FraudctlError(redact(e.message, secrets), e.exitCode, { hint: e.hint, details: e.details });
      throw e;
    }
  };
  let label = '';
  const spark = await SparkConnect.connect(o.remote, { signal: o.signal, onProgress: (p) => o.onProgress?.(label, p) });
  try {
    const version = await spark.version();
    o.log.info({ spark: o.remote.display, version }, `Spark Connect ${o.remote.display}: Spark ${version}`);
    // Session settings the marts rely on: UTC dates, and ANSI off so that x / 0 and casts behave as in DuckDB's SQL.
    await spark.setConf({ 'spark.sql.session.timeZone': 'UTC', 'spark.sql.ansi.enabled': 'false', 'spark.sql.parquet.compression.codec': 'zstd' });
    if (s3) {
      await guard(() => spark.setConf(s3.conf));
      o.log.info({ lake: lake.uri, endpoint: s3.endpoint ?? 'AWS' }, 'Spark reads and writes the lake through s3a://');
    }
  } catch (e) {
    spark.close();
    throw e;
  }
  return {
    name: 'spark',
    dialect: sparkDialect,
    // Spark addresses the partitions where they live; nothing is downloaded here.
    readPaths: async (l, ds, days) => {
      if (!s3) {
        await l.pathsForRead(ds, days);
        return days.map((d) => l.partitionUri(ds, d));
      }
      await requirePartitions(l, ds, days);
      return days.map((d) => s3aUri(l.partitionUri(ds, d)));
    },
    async writeMart(query, target, out) {
      label = out.label;
      const started = performance.now();
      const staged = await staging(out.dataset, out.day, out.label);
      try {
        await guard(() => spark.writeParquet(query.sql, query.params, staged.sparkUri));
        const { glob, parts } = await staged.collect();
        o.log.debug({ mart: out.label, parts, sparkSeconds: Number(((performance.now() - started) / 1000).toFixed(2)) }, 'Spark wrote the mart');
        // hive_partitioning off: the prefix sits under date=D/, which DuckDB would add as a column.
        const select = `SELECT * FROM read_parquet(${sqlString(glob)}, hive_partitioning = false) ORDER BY ${out.orderBy}`;
        return await copyParquet(db, { sql: select, params: {} }, target, out.kv);
      } finally {
        await staged.discard();
      }
    },
    close: async () => spark.close(),
  };
}

/** The lake's S3 settings and credentials as Spark session settings (credentials resolved as the SDK resolves them). */
async function s3Access(lake: S3Lake): Promise<{ conf: Record<string, string>; secrets: string[]; endpoint?: string }> {
  const client = await lake.client();
  let creds: S3Credentials;
  try {
    creds = await client.config.credentials();
  } catch {
    throw new FraudctlError(`--engine spark: no S3 credentials for ${lake.uri}`, ExitCode.Usage, { hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile) for the lake; Spark gets the same ones' });
  }
  const settings = lake.s3Settings;
  return { conf: s3aConf(lake.bucket, settings, creds), secrets: [creds.secretAccessKey, creds.sessionToken ?? ''], endpoint: settings.endpoint };
}

/** Every partition Spark is about to read exists (exit 3 naming the missing days, as the DuckDB engine's read does). */
async function requirePartitions(lake: Lake, ds: Dataset, days: Day[]): Promise<void> {
  const present = await Promise.all(days.map((d) => lake.has(ds, d)));
  const missing = days.filter((_d, i) => !present[i]);
  if (missing.length > 0) {
    throw new FraudctlError(`${ds} partitions missing in ${lake.uri}: ${missing.join(', ')}`, ExitCode.Data, { hint: `fraudctl lake ls --lake ${lake.uri} --dataset ${ds} shows what exists` });
  }
}
