import { sqlString } from '../lake/db.js';
import { addDays, type Day } from '../util/dates.js';
import { WINDOWS } from './spec.js';

/**
 * SQL builders for the feature marts (DESIGN.md §3). Both marts have the same shape: per entity,
 * over daily windows of n ∈ {1, 7, 30} calendar days ending with an end day, the number of
 * transactions and the mean of one value (0 when the count is 0):
 *
 *   customer mart of D: entity customer_id, value tx_amount, end day D
 *   terminal mart of D: entity terminal_id, value tx_fraud,  end day D - delay  (label delay)
 *
 * Windows are whole daily partitions (the partition a row sits in is its day), not sliding
 * timestamps. Dates are bound as parameters; only the partition file paths are SQL literals.
 * One row per entity with at least one transaction in the 30-day window, ordered by entity id.
 */
export interface SqlQuery {
  sql: string;
  params: Record<string, string | number>;
}

export interface MartKind {
  dataset: 'features/customer' | 'features/terminal';
  entity: 'customer_id' | 'terminal_id';
  value: 'tx_amount' | 'tx_fraud';
  /** Column names: `${prefix}_nb_tx_{n}d`, `${prefix}_${mean}_{n}d`. */
  prefix: 'cust' | 'term';
  mean: 'avg_amount' | 'risk';
}

export const CUSTOMER_MART: MartKind = { dataset: 'features/customer', entity: 'customer_id', value: 'tx_amount', prefix: 'cust', mean: 'avg_amount' };
export const TERMINAL_MART: MartKind = { dataset: 'features/terminal', entity: 'terminal_id', value: 'tx_fraud', prefix: 'term', mean: 'risk' };

/** The longest window: which partitions a mart reads. */
export const HISTORY_DAYS = Math.max(...WINDOWS);

/** The last day a mart's windows cover: D for customers, D - delay for terminals. */
export function windowEnd(kind: MartKind, martDay: Day, delay: number): Day {
  return kind.dataset === 'features/terminal' ? addDays(martDay, -delay) : martDay;
}

/** Inclusive window bounds per n, e.g. { 7: ['2025-03-13', '2025-03-19'] } for end day 03-19. */
export function windowBounds(end: Day): Record<number, [Day, Day]> {
  return Object.fromEntries(WINDOWS.map((n) => [n, [addDays(end, -(n - 1)), end]]));
}

/** The days of the longest window ending with `end`, oldest first. */
export function windowDays(end: Day): Day[] {
  return Array.from({ length: HISTORY_DAYS }, (_, i) => addDays(end, i - (HISTORY_DAYS - 1)));
}

export interface MartSqlInput {
  martDay: Day;
  /** The last day of the windows (windowEnd). */
  end: Day;
  /** The transaction partitions that exist in the 30-day window: day and readable path. */
  partitions: { day: Day; path: string }[];
}

/** `SELECT … ` of the mart for one day, ready to wrap in COPY … TO. */
export function buildMartSql(kind: MartKind, input: MartSqlInput): SqlQuery {
  const { entity, value, prefix, mean } = kind;
  const params: SqlQuery['params'] = { mart_day: input.martDay };
  const scans = input.partitions.map((p, i) => {
    params[`p${i}`] = p.day;
    return `SELECT CAST($p${i} AS DATE) AS part_day, ${entity}, CAST(${value} AS DOUBLE) AS v FROM read_parquet(${sqlString(p.path)})`;
  });
  // An empty window (partial history) still yields a mart with the right columns and no rows.
  if (scans.length === 0) scans.push(`SELECT CAST(NULL AS DATE) AS part_day, CAST(NULL AS BIGINT) AS ${entity}, CAST(NULL AS DOUBLE) AS v WHERE 1 = 0`);
  const sums: string[] = [];
  const out: string[] = [];
  for (const n of WINDOWS) {
    const [from, to] = windowBounds(input.end)[n];
    params[`from_${n}`] = from;
    params[`to_${n}`] = to;
    const inWindow = `part_day BETWEEN CAST($from_${n} AS DATE) AND CAST($to_${n} AS DATE)`;
    sums.push(`COUNT(CASE WHEN ${inWindow} THEN 1 END) AS nb_${n}d`, `SUM(CASE WHEN ${inWindow} THEN v ELSE 0 END) AS sum_${n}d`);
    out.push(
      `nb_${n}d AS ${prefix}_nb_tx_${n}d`,
      `CASE WHEN nb_${n}d > 0 THEN sum_${n}d / nb_${n}d ELSE CAST(0 AS DOUBLE) END AS ${prefix}_${mean}_${n}d`,
    );
  }
  const sql = `
-- 1. the transactions of the window, each tagged with the day of its partition
WITH window_tx AS (
  ${scans.join('\n  UNION ALL\n  ')}
),
-- 2. per ${entity}: count and sum of ${value} over each window ending with the end day
per_entity AS (
  SELECT ${entity},
    ${sums.join(',\n    ')}
  FROM window_tx
  WHERE ${entity} IS NOT NULL
  GROUP BY ${entity}
)
-- 3. one row per ${entity} seen in the window; the mean is 0 when the count is 0
SELECT CAST($mart_day AS DATE) AS mart_date, ${entity},
  ${out.join(',\n  ')}
FROM per_entity
ORDER BY ${entity}`;
  return { sql, params };
}
