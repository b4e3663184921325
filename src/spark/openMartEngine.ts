import type { Config } from '../config.js';
import type { Db } from '../lake/db.js';
import type { Lake } from '../lake/lake.js';
import type { Logger } from '../log.js';
import { usageError } from '../errors.js';
import { duckdbMartEngine, type MartEngine } from '../features/martEngine.js';

/**
 * The mart engine a command was configured for (--engine, FRAUDCTL_ENGINE). Spark's client and
 * gRPC are imported only here, only for --engine spark, so DuckDB-only runs never load them.
 */
export async function openMartEngine(config: Pick<Config, 'engine' | 'sparkRemote'>, db: Db, lake: Lake, log: Logger, signal?: AbortSignal): Promise<MartEngine> {
  if (config.engine !== 'spark') return duckdbMartEngine(db);
  if (config.sparkRemote === undefined) {
    throw usageError('--engine spark needs a Spark Connect server', 'pass --spark-remote sc://HOST:15002 or set FRAUDCTL_SPARK_REMOTE (scripts/spark-local.sh start prints one for a local cluster)');
  }
  const { parseSparkRemote } = await import('./sparkRemote.js');
  const { openSparkMartEngine } = await import('./sparkMartEngine.js');
  return openSparkMartEngine(db, lake, { remote: parseSparkRemote(config.sparkRemote), log, signal });
}
