import { sqlString } from '../lake/db.js';
import { addDays, type Day } from '../util/dates.js';
import { ENTITY_COLUMN, type AggregateKind, type MartColumn, type MartDef } from './featureSpec.js';
import { buildSpecMartSql, columnWindowEnd, type SqlQuery } from './specMartSql.js';
import { duckdbDialect } from './sqlDialect.js';

/**
 * The SQL of the window state (README "Incremental marts"). A mart's state of day D holds, per
 * entity, exact integers:
 *   - the *day partial* of D: dn (transactions on D), ds (their cents), df (their frauds) — what a
 *     later day subtracts when D leaves one of its windows, read back instead of D's transactions;
 *   - per window of the mart: n (count), s (cents), f (frauds), a (active days), fd (fraud days),
 *     each only when a column needs it.
 * Every window of D is the window of D-1 plus its new end day minus the day that left it, and each
 * of those days enters as its day partial (active days: 1 per entity with a transaction that day,
 * fraud days: 1 per entity with a fraud that day), so the state of D is one GROUP BY over the
 * state of D-1 and a few day partials.
 */
export const INCREMENTAL_KINDS: ReadonlySet<AggregateKind> = new Set(['count', 'sum', 'mean', 'fraud_count', 'fraud_share', 'active_days', 'fraud_days']);

export function incrementalEligible(mart: MartDef): boolean {
  return mart.columns.every((c) => INCREMENTAL_KINDS.has(c.kind));
}

/** The kinds of a mart that cannot be carried forward (min, max, quantile, distinct_count), for the reason shown. */
export function nonIncrementalKinds(mart: MartDef): AggregateKind[] {
  return [...new Set(mart.columns.map((c) => c.kind).filter((k) => !INCREMENTAL_KINDS.has(k)))];
}

interface Win {
  /** Column-name stem: now7, lag30, … */
  key: string;
  len: number;
  lagged: boolean;
  cents: boolean;
  frauds: boolean;
  active: boolean;
  fraudDays: boolean;
}

function windowsOf(mart: MartDef): Win[] {
  const out = new Map<string, Win>();
  for (const c of mart.columns) {
    const key = `${c.lagged ? 'lag' : 'now'}${c.days}`;
    const w = out.get(key) ?? { key, len: c.days, lagged: c.lagged, cents: false, frauds: false, active: false, fraudDays: false };
    if (c.kind === 'sum' || c.kind === 'mean') w.cents = true;
    if (c.kind === 'fraud_count' || c.kind === 'fraud_share') w.frauds = true;
    if (c.kind === 'active_days') w.active = true;
    if (c.kind === 'fraud_days') w.fraudDays = true;
    out.set(key, w);
  }
  return [...out.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** Whole cents as BIGINT: the full builder's DECIMAL(18, 2) cast, scaled (exact). */
const CENTS = 'CAST(CAST(tx_amount AS DECIMAL(18, 2)) * 100 AS BIGINT)';
const FRAUD = 'CAST(tx_fraud AS BIGINT)';
const DAY_COLUMNS = ['dn', 'ds', 'df'];

/** One state column per (window, needed aggregate): [name, what a day partial contributes to it]. */
function windowColumns(w: Win): [string, string][] {
  return [
    [`n_${w.key}`, 'dn'],
    ...(w.cents ? ([[`s_${w.key}`, 'ds']] as [string, string][]) : []),
    ...(w.frauds ? ([[`f_${w.key}`, 'df']] as [string, string][]) : []),
    ...(w.active ? ([[`a_${w.key}`, 'CAST(dn > 0 AS BIGINT)']] as [string, string][]) : []),
    // tx_fraud is 0 or 1 (ingest quarantines anything else), so a day has a fraud exactly when its fraud sum is > 0.
    ...(w.fraudDays ? ([[`fd_${w.key}`, 'CAST(df > 0 AS BIGINT)']] as [string, string][]) : []),
  ];
}

const stateNames = (wins: Win[]) => [...DAY_COLUMNS, ...wins.flatMap((w) => windowColumns(w).map(([c]) => c))];
const castAll = (wins: Win[]) => stateNames(wins).map((c) => `CAST(${c} AS BIGINT) AS ${c}`).join(', ');
/** An entity is in the mart while any window holds a transaction; the state also keeps those with a day partial. */
const inMart = (wins: Win[]) => wins.map((w) => `n_${w.key} > 0`).join(' OR ');

export interface StateInput {
  martDay: Day;
  delay: number;
  /** Transaction partitions read, with their days. */
  partitions: readonly { day: Day; path: string }[];
}

/** Every day the full state of `martDay` reads: the mart's history and the day itself (its day partial). */
export function fullStateDays(history: readonly Day[], martDay: Day): Day[] {
  return [...new Set([...history, martDay])].sort();
}

/**
 * The state of `martDay` computed from its transactions (partitions = fullStateDays), through the
 * full builder's band query over a mart of the state's own columns: each window's count, sum,
 * frauds, active and fraud days, plus a 1-day window at D for the day partial. The sums come back
 * as the full builder's DOUBLE of the exact DECIMAL sum; ×100 and rounded they are the exact cents
 * again (the DOUBLE is within one part in 2^52 of the sum, far below half a cent for any sum
 * under 2^50 cents).
 */
export function fullStateSql(mart: MartDef, input: StateInput): SqlQuery {
  const wins = windowsOf(mart);
  const columns: MartColumn[] = [
    { name: 'dn', kind: 'count', days: 1, lagged: false },
    { name: 'ds', kind: 'sum', days: 1, lagged: false },
    { name: 'df', kind: 'fraud_count', days: 1, lagged: false },
  ];
  for (const w of wins) {
    const col = (name: string, kind: AggregateKind) => columns.push({ name: `${name}_${w.key}`, kind, days: w.len, lagged: w.lagged });
    col('n', 'count');
    if (w.cents) col('s', 'sum');
    if (w.frauds) col('f', 'fraud_count');
    if (w.active) col('a', 'active_days');
    if (w.fraudDays) col('fd', 'fraud_days');
  }
  const bands = buildSpecMartSql({ entity: mart.entity, columns }, input, duckdbDialect);
  const cents = new Set(['ds', ...wins.filter((w) => w.cents).map((w) => `s_${w.key}`)]);
  const cast = stateNames(wins).map((c) => (cents.has(c) ? `CAST(round(${c} * 100) AS BIGINT) AS ${c}` : `CAST(${c} AS BIGINT) AS ${c}`));
  // The band query's final sort is not needed: the state is only read through GROUP BYs and the finishing sort.
  const unsorted = bands.sql.replace(/\nORDER BY ids\.id$/, '');
  return { sql: `SELECT ${ENTITY_COLUMN[mart.entity]} AS id, ${cast.join(', ')} FROM (${unsorted})`, params: bands.params };
}

/** The days whose partials a step from D-1 to D adds or subtracts: each window's new end day and the day that left it, and D. */
export function deltaDays(mart: MartDef, martDay: Day, delay: number): Day[] {
  const days = new Set<Day>([martDay]);
  for (const w of windowsOf(mart)) {
    const end = columnWindowEnd(martDay, delay, w.lagged);
    days.add(end);
    days.add(addDays(end, -w.len));
  }
  return [...days].sort();
}

/** A day partial (id, dn, ds, df) computed from a day's transactions partition. */
export function dayPartialSql(mart: MartDef, path: string): string {
  const entity = ENTITY_COLUMN[mart.entity];
  return `SELECT CAST(${entity} AS BIGINT) AS id, COUNT(*) AS dn, COALESCE(SUM(${CENTS}), 0) AS ds, COALESCE(SUM(${FRAUD}), 0) AS df
    FROM read_parquet(${sqlString(path)}) WHERE ${entity} IS NOT NULL GROUP BY CAST(${entity} AS BIGINT)`;
}

/** A day partial read back from the state of that day (its dn, ds, df columns). */
export const storedPartialSql = (statePath: string) => `SELECT id, dn, ds, df FROM read_parquet(${sqlString(statePath)}) WHERE dn > 0`;

/**
 * The state of `martDay` from the state of the day before and the delta days' partials (`partials`:
 * day → a SELECT of id, dn, ds, df). Each partial enters with a constant sign per window (+1 its
 * new end day, −1 the day that left it, 0 otherwise), so no row compares dates. The sums run in
 * DOUBLE, which is exact here: every term and partial sum is a whole number (counts, cents) far
 * below 2^53, so no addition rounds and the order of additions cannot matter.
 */
export function incrementalStateSql(mart: MartDef, martDay: Day, delay: number, prevPath: string, partials: ReadonlyMap<Day, string>): SqlQuery {
  const wins = windowsOf(mart);
  const names = stateNames(wins);
  const windowCols = wins.flatMap(windowColumns);
  const sign = (w: Win, day: Day) => {
    const end = columnWindowEnd(martDay, delay, w.lagged);
    return day === end ? 1 : day === addDays(end, -w.len) ? -1 : 0;
  };
  const branches = [`SELECT id, 0 AS dn, 0 AS ds, 0 AS df, ${windowCols.map(([c]) => c).join(', ')} FROM read_parquet(${sqlString(prevPath)})`];
  for (const [day, partial] of partials) {
    const own = day === martDay ? DAY_COLUMNS : DAY_COLUMNS.map(() => '0');
    const cols = wins.flatMap((w) => {
      const k = sign(w, day);
      return windowColumns(w).map(([c, v]) => `${k === 0 ? '0' : k === 1 ? v : `-(${v})`} AS ${c}`);
    });
    branches.push(`SELECT id, ${own.map((v, i) => `${v} AS ${DAY_COLUMNS[i]}`).join(', ')}, ${cols.join(', ')} FROM (${partial})`);
  }
  const sql = `SELECT id, ${castAll(wins)} FROM (
  SELECT id, ${names.map((c) => `SUM(CAST(${c} AS DOUBLE)) AS ${c}`).join(', ')}
  FROM (
    ${branches.join('\n    UNION ALL\n    ')}
  )
  GROUP BY id
) WHERE ${inMart(wins)} OR dn > 0`;
  return { sql, params: {} };
}

/**
 * The mart's rows from a state table, column for column the expressions of the full builder
 * (buildSpecMartSql) over the same exact integers, so the file has the same types and values.
 */
export function finishSql(mart: MartDef, table: string, martDay: Day): SqlQuery {
  const wins = windowsOf(mart);
  const cols = mart.columns.map((c) => {
    const k = `${c.lagged ? 'lag' : 'now'}${c.days}`;
    const ratio = (num: string) => `CASE WHEN n_${k} > 0 THEN CAST(${num} AS DOUBLE) / n_${k} ELSE CAST(0 AS DOUBLE) END`;
    const sql: Partial<Record<AggregateKind, string>> = {
      count: `n_${k}`,
      sum: `CAST(s_${k} AS DOUBLE) / 100`,
      mean: ratio(`CAST(s_${k} AS DOUBLE) / 100`),
      // The full builder sums BIGINT frauds, which DuckDB types HUGEINT.
      fraud_count: `CAST(f_${k} AS HUGEINT)`,
      fraud_share: ratio(`CAST(f_${k} AS HUGEINT)`),
      active_days: `a_${k}`,
      fraud_days: `fd_${k}`,
    };
    if (sql[c.kind] === undefined) throw new Error(`${c.kind} has no window state`);
    return `${sql[c.kind]} AS ${c.name}`;
  });
  const entity = ENTITY_COLUMN[mart.entity];
  return { sql: `SELECT CAST($mart_day AS DATE) AS mart_date, id AS ${entity},\n  ${cols.join(',\n  ')}\nFROM ${table}\nWHERE ${inMart(wins)}\nORDER BY id`, params: { mart_day: martDay } };
}
