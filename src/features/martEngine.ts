import { sqlString, type Db } from '../lake/db.js';
import type { Dataset, Lake } from '../lake/lake.js';
import type { Day } from '../util/dates.js';
import type { SqlQuery } from './specMartSql.js';
import { duckdbDialect, type SqlDialect } from './sqlDialect.js';

/** Parquet key-value metadata of a mart partition (read back by `marts show`). */
export type MartKv = Record<`fraudctl.${string}`, string>;

/**
 * Where the mart SQL runs. The SQL is one definition, generated in the engine's dialect; an
 * engine only decides how partitions are addressed and how a query becomes the partition file.
 * Both engines end in the same DuckDB COPY, so the partition file's schema, compression, row
 * order and key-value metadata are identical whichever engine computed the rows.
 */
export interface MartEngine {
  readonly name: 'duckdb' | 'spark';
  readonly dialect: SqlDialect;
  /** Paths of these partitions as the engine reads them (every day must exist). */
  readPaths(lake: Lake, ds: Dataset, days: Day[]): Promise<string[]>;
  /** Computes `query` into one parquet file at `target` (a local temporary path); returns its row count. */
  writeMart(query: SqlQuery, target: string, out: { kv: MartKv; orderBy: string; label: string; dataset: Dataset; day: Day }): Promise<number>;
  close?(): Promise<void>;
}

/** The parquet options of a mart partition: its bytes are part of the contract (a rebuild gives the same bytes), so they never change. */
export const MART_PARQUET = 'COMPRESSION zstd';

/** COPY (select) TO target as parquet (a mart's format unless told) with fraudctl's key-value metadata; returns the row count. */
export async function copyParquet(db: Db, select: SqlQuery, target: string, kv: MartKv, options = MART_PARQUET): Promise<number> {
  const keys = Object.keys(kv);
  const kvSql = keys.map((k, i) => `${sqlString(k)}: $kv_${i}`).join(', ');
  const kvParams = Object.fromEntries(keys.map((k, i) => [`kv_${i}`, kv[k as keyof MartKv]]));
  const copy = `COPY (${select.sql}\n) TO ${sqlString(target)} (FORMAT parquet, ${options}${keys.length > 0 ? `, KV_METADATA {${kvSql}}` : ''})`;
  const rows = await db.all<{ Count: bigint }>(copy, { ...select.params, ...kvParams });
  return Number(rows[0]?.Count ?? 0);
}

/** The default engine: DuckDB in this process, over local files, cached copies or s3:// (httpfs). */
export function duckdbMartEngine(db: Db): MartEngine {
  return {
    name: 'duckdb',
    dialect: duckdbDialect,
    readPaths: (lake, ds, days) => lake.pathsForRead(ds, days),
    writeMart: (query, target, out) => copyParquet(db, query, target, out.kv),
  };
}
