import { readParquetList } from '../../../src/lake/db.js';
import { addDays, daysBetween, type Day } from '../../../src/util/dates.js';

/** The windows of the marts before feature specs. */
export const WINDOWS = [1, 7, 30] as const;
export const CUSTOMER_MART_COLUMNS = WINDOWS.flatMap((n) => [`cust_nb_tx_${n}d`, `cust_avg_amount_${n}d`]);
export const TERMINAL_MART_COLUMNS = WINDOWS.flatMap((n) => [`term_nb_tx_${n}d`, `term_risk_${n}d`]);

/**
 * FROZEN COPY of the mart SQL builder as it was before feature specs (src/features/martSql.ts at
 * 2f43c1f), kept only as the reference the handbook preset must reproduce. Not used by fraudctl.
 *
 * SQL builders for the feature marts (DESIGN.md §3). Both marts have the same shape: per entity,
 * over daily windows of n ∈ {1, 7, 30} calendar days ending with an end day, the number of
 * transactions and the mean of one value (0 when the count is 0):
 *
 *   customer mart of D: entity customer_id, value tx_amount, end day D
 *   terminal mart of D: entity terminal_id, value tx_fraud,  end day D - delay  (label delay)
 *
 * Windows are whole daily partitions (the partition a row sits in is its day), not sliding
 * timestamps: which files are read decides which days count, so no date is compared row by row;
 * the mart date is bound as a parameter and only the partition file paths are SQL literals.
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

/**
 * `SELECT …` of the mart for one day, ready to wrap in COPY … TO.
 *
 * The windows are nested (1 ⊂ 7 ⊂ 30 days), so they are cut into disjoint bands — the end day,
 * the 6 days before it, the 23 days before those — each aggregated once over exactly its own
 * partition files; a window is the sum of its bands. This reads every row once with two plain
 * aggregates, which measured about twice as fast as conditional aggregates over the whole window
 * (bench/marts.mjs), and needs only GROUP BY and FULL OUTER JOIN.
 */
export function buildMartSql(kind: MartKind, input: MartSqlInput): SqlQuery {
  const { entity, value, prefix, mean } = kind;
  const bands = WINDOWS.map((n, k) => ({ minAge: k === 0 ? 0 : WINDOWS[k - 1], maxAge: n - 1 }));
  const ctes = bands.map((b, k) => {
    const paths = input.partitions.filter((p) => {
      const age = daysBetween(p.day, input.end);
      return age >= b.minAge && age <= b.maxAge;
    });
    const what = b.maxAge === 0 ? 'the end day' : `days end-${b.maxAge} … end-${b.minAge}`;
    const body =
      paths.length === 0
        ? `SELECT CAST(NULL AS BIGINT) AS id, CAST(0 AS BIGINT) AS n, CAST(0 AS DOUBLE) AS s WHERE 1 = 0`
        : `SELECT CAST(${entity} AS BIGINT) AS id, COUNT(*) AS n, SUM(CAST(${value} AS DOUBLE)) AS s
    FROM ${readParquetList(paths.map((p) => p.path))}
    WHERE ${entity} IS NOT NULL
    GROUP BY CAST(${entity} AS BIGINT)`;
    return `-- 1.${k + 1} band ${k + 1}: ${what} (${paths.length} partition${paths.length === 1 ? '' : 's'})\nb${k + 1} AS (\n  ${body}\n)`;
  });
  const ids = bands.map((_, k) => `b${k + 1}.id`);
  const joins = bands.slice(1).map((_, k) => `FULL OUTER JOIN b${k + 2} ON b${k + 2}.id = ${k === 0 ? ids[0] : `COALESCE(${ids.slice(0, k + 1).join(', ')})`}`);
  const bandCols = bands.flatMap((_, k) => [`COALESCE(b${k + 1}.n, 0) AS n${k + 1}`, `COALESCE(b${k + 1}.s, 0) AS s${k + 1}`]);
  const out = WINDOWS.flatMap((n, k) => {
    const nb = bands.slice(0, k + 1).map((_, j) => `n${j + 1}`).join(' + ');
    const sum = bands.slice(0, k + 1).map((_, j) => `s${j + 1}`).join(' + ');
    const [num, den] = k === 0 ? [sum, nb] : [`(${sum})`, `(${nb})`];
    return [`${nb} AS ${prefix}_nb_tx_${n}d`, `CASE WHEN ${nb} > 0 THEN ${num} / ${den} ELSE CAST(0 AS DOUBLE) END AS ${prefix}_${mean}_${n}d`];
  });
  const sql = `
-- 1. per ${entity} and band of days counted back from the window's end day: count and sum of ${value}
WITH
${ctes.join(',\n')},
-- 2. every ${entity} seen in the 30-day window, with its count and sum in each band
per_entity AS (
  SELECT COALESCE(${ids.join(', ')}) AS id,
    ${bandCols.join(',\n    ')}
  FROM b1
  ${joins.join('\n  ')}
)
-- 3. a window is the sum of its bands; the mean is 0 when the count is 0
SELECT CAST($mart_day AS DATE) AS mart_date, id AS ${entity},
  ${out.join(',\n  ')}
FROM per_entity
ORDER BY id`;
  return { sql, params: { mart_day: input.martDay } };
}
