import { sqlString } from '../lake/db.js';
import type { Day } from '../util/dates.js';

/**
 * What differs between the engines the mart SQL runs on. Everything else in the generated SQL is
 * plain ANSI (GROUP BY, LEFT JOIN, UNION, CASE, CAST) that DuckDB and Spark SQL read alike.
 *   duckdb — fraudctl's engine, over local files or s3:// URLs (httpfs)
 *   spark  — Spark SQL through Spark Connect (the same definitions where the data outgrows a VM)
 */
export interface SqlDialect {
  readonly name: 'duckdb' | 'spark';
  /**
   * A table expression over these transaction partitions. With `withDay`, it adds a DATE column
   * `day`: the partition's date (the partition a row sits in is its day, DESIGN.md §2).
   */
  transactions(parts: readonly { day: Day; path: string }[], withDay: boolean): string;
  /** A table expression over one mart partition file. */
  mart(path: string): string;
  /** A named query parameter as the engine binds it. */
  param(name: string): string;
  /** Continuous quantile (linear interpolation between closest ranks, as numpy's default). */
  quantile(expr: string, q: number): string;
}

export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  transactions(parts, withDay) {
    const list = `[${parts.map((p) => sqlString(p.path)).join(', ')}]`;
    if (!withDay) return `read_parquet(${list})`;
    // The day comes from the partition's path (.../date=YYYY-MM-DD/data.parquet): no date is spliced.
    return `(SELECT * EXCLUDE (date), date AS day FROM read_parquet(${list}, hive_partitioning = true, hive_types = {'date': DATE}))`;
  },
  mart: (path) => `read_parquet(${sqlString(path)})`,
  param: (name) => `$${name}`,
  quantile: (expr, q) => `quantile_cont(${expr}, ${q})`,
};

const sparkPath = (path: string) => `parquet.\`${path.replace(/`/g, '``')}\``;

export const sparkDialect: SqlDialect = {
  name: 'spark',
  transactions(parts, withDay) {
    // One SELECT per partition file; the day is that partition's date.
    const one = (p: { day: Day; path: string }) => (withDay ? `SELECT *, DATE '${p.day}' AS day FROM ${sparkPath(p.path)}` : `SELECT * FROM ${sparkPath(p.path)}`);
    return `(${parts.map(one).join('\n    UNION ALL ')})`;
  },
  mart: sparkPath,
  param: (name) => `:${name}`,
  // percentile() is exact with linear interpolation (percentile_approx is not).
  quantile: (expr, q) => `percentile(${expr}, ${q})`,
};

export function dialectNamed(name: 'duckdb' | 'spark'): SqlDialect {
  return name === 'spark' ? sparkDialect : duckdbDialect;
}
