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

/** The day partial's columns a mart needs: dn always, ds with cent sums, df with frauds or fraud days. */
export function dayColumns(mart: MartDef): string[] {
  const wins = windowsOf(mart);
  return ['dn', ...(wins.some((w) => w.cents) ? ['ds'] : []), ...(wins.some((w) => w.frauds || w.fraudDays) ? ['df'] : [])];
}

/**
 * A 1-day window ending at D is not stored: it is the day partial of D itself (handbook: the
 * 1-day customer count and mean are dn and ds).
 */
const aliased = (w: Win) => w.len === 1 && !w.lagged;

/** The state column (or the day-partial expression) behind aggregate `stat` of window `w`. */
function ref(w: Win, stat: 'n' | 's' | 'f' | 'a' | 'fd'): string {
  if (!aliased(w)) return `${stat}_${w.key}`;
  return { n: 'dn', s: 'ds', f: 'df', a: 'CAST(dn > 0 AS BIGINT)', fd: 'CAST(df > 0 AS BIGINT)' }[stat];
}

/** One state column per (window, needed aggregate): [name, what a day partial contributes to it]; none for an aliased window. */
function windowColumns(w: Win): [string, string][] {
  if (aliased(w)) return [];
  return [
    [`n_${w.key}`, 'dn'],
    ...(w.cents ? ([[`s_${w.key}`, 'ds']] as [string, string][]) : []),
    ...(w.frauds ? ([[`f_${w.key}`, 'df']] as [string, string][]) : []),
    ...(w.active ? ([[`a_${w.key}`, 'CAST(dn > 0 AS BIGINT)']] as [string, string][]) : []),
    // tx_fraud is 0 or 1 (ingest quarantines anything else), so a day has a fraud exactly when its fraud sum is > 0.
    ...(w.fraudDays ? ([[`fd_${w.key}`, 'CAST(df > 0 AS BIGINT)']] as [string, string][]) : []),
  ];
}

const stateNames = (mart: MartDef) => [...dayColumns(mart), ...windowsOf(mart).flatMap((w) => windowColumns(w).map(([c]) => c))];
const castAll = (mart: MartDef) => stateNames(mart).map((c) => `CAST(${c} AS BIGINT) AS ${c}`).join(', ');
/** An entity is in the mart while any window holds a transaction; the state also keeps those with a day partial. */
const inMart = (wins: Win[]) => [...new Set(wins.map((w) => `${ref(w, 'n')} > 0`))].join(' OR ');

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
  const day = dayColumns(mart);
  const columns: MartColumn[] = [
    { name: 'dn', kind: 'count', days: 1, lagged: false },
    ...(day.includes('ds') ? [{ name: 'ds', kind: 'sum', days: 1, lagged: false } as MartColumn] : []),
    ...(day.includes('df') ? [{ name: 'df', kind: 'fraud_count', days: 1, lagged: false } as MartColumn] : []),
  ];
  for (const w of wins.filter((x) => !aliased(x))) {
    const col = (name: string, kind: AggregateKind) => columns.push({ name: `${name}_${w.key}`, kind, days: w.len, lagged: w.lagged });
    col('n', 'count');
    if (w.cents) col('s', 'sum');
    if (w.frauds) col('f', 'fraud_count');
    if (w.active) col('a', 'active_days');
    if (w.fraudDays) col('fd', 'fraud_days');
  }
  const bands = buildSpecMartSql({ entity: mart.entity, columns }, input, duckdbDialect);
  const cents = new Set(['ds', ...wins.filter((w) => w.cents).map((w) => `s_${w.key}`)]);
  const cast = stateNames(mart).map((c) => (cents.has(c) ? `CAST(round(${c} * 100) AS BIGINT) AS ${c}` : `CAST(${c} AS BIGINT) AS ${c}`));
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
    if (carried(w)) days.add(addDays(end, -w.len));
  }
  return [...days].sort();
}

/**
 * The oldest day whose window state a build of a day after `martDay` can still read: the state of
 * `martDay` itself (carried to the next day) and the days leaving the windows of the next day (their
 * day partials). Later days' windows only move on, so an older state is never read again by a build
 * in date order; `marts build` removes those (README "Incremental marts", retention).
 */
export function firstStateKept(mart: MartDef, martDay: Day, delay: number): Day {
  return [martDay, ...deltaDays(mart, addDays(martDay, 1), delay)].sort()[0];
}

/**
 * A 1-day window is not carried: its value is the day partial of its end day, which enters anyway,
 * so neither the state of D-1 nor the day that left it takes part (handbook: the partial of D-1
 * is not read at all).
 */
const carried = (w: Win) => w.len > 1;

/** A day partial (id and the mart's day columns) computed from a day's transactions partition. */
export function dayPartialSql(mart: MartDef, path: string): string {
  const entity = ENTITY_COLUMN[mart.entity];
  const agg: Record<string, string> = { dn: 'COUNT(*)', ds: `COALESCE(SUM(${CENTS}), 0)`, df: `COALESCE(SUM(${FRAUD}), 0)` };
  return `SELECT CAST(${entity} AS BIGINT) AS id, ${dayColumns(mart).map((c) => `${agg[c]} AS ${c}`).join(', ')}
    FROM read_parquet(${sqlString(path)}) WHERE ${entity} IS NOT NULL GROUP BY CAST(${entity} AS BIGINT)`;
}

/** A day partial read back from the state of that day (its dn, ds, df columns). */
export const storedPartialSql = (mart: MartDef, statePath: string) => `SELECT id, ${dayColumns(mart).join(', ')} FROM read_parquet(${sqlString(statePath)}) WHERE dn > 0`;

/**
 * The state of `martDay` from the state of the day before and the delta days' partials (`partials`:
 * day → a SELECT of id and the day columns, one row per entity): a FULL JOIN of them on the id,
 * each column the carried value plus or minus the partials that enter or leave its window, with a
 * constant sign per (window, day) — no row compares dates. BIGINT additions of whole numbers: exact.
 * (One join per delta day measured ~20 % less CPU than one GROUP BY over all their rows, also
 * with DuckDB's perfect hash aggregate over dense ids.)
 */
export function incrementalStateSql(mart: MartDef, martDay: Day, delay: number, prevPath: string, partials: ReadonlyMap<Day, string>): SqlQuery {
  const wins = windowsOf(mart);
  const sign = (w: Win, day: Day) => {
    const end = columnWindowEnd(martDay, delay, w.lagged);
    return day === end ? 1 : carried(w) && day === addDays(end, -w.len) ? -1 : 0;
  };
  const sources = [...partials].map(([day, sql], i) => ({ day, sql, as: `d${i}` }));
  const own = sources.find((x) => x.day === martDay);
  if (!own) throw new Error(`no day partial of ${martDay}`);
  // A day that only leaves windows was the first day of each of them at D-1, so every entity with a
  // transaction that day is in the state of D-1: a LEFT JOIN on it suffices (measured ~8 % less CPU
  // than a FULL JOIN at 1 M customers). A day entering a window may bring new entities: FULL JOIN.
  const leaving = (x: { day: Day }) => x.day !== martDay && wins.every((w) => sign(w, x.day) <= 0);
  const ids = ['p.id'];
  const joins = [...sources.filter(leaving).map((x) => `LEFT JOIN (${x.sql}) ${x.as} ON ${x.as}.id = p.id`)];
  for (const x of sources.filter((y) => !leaving(y))) {
    joins.push(`FULL JOIN (${x.sql}) ${x.as} ON ${x.as}.id = COALESCE(${ids.join(', ')})`);
    ids.push(`${x.as}.id`);
  }
  const qualify = (v: string, as: string) => v.replace(/\b(dn|ds|df)\b/g, `${as}.$1`);
  const cols = dayColumns(mart).map((c) => `COALESCE(${own.as}.${c}, 0) AS ${c}`);
  for (const w of wins) {
    for (const [c, v] of windowColumns(w)) {
      const terms = [...(carried(w) ? [`COALESCE(p.${c}, 0)`] : [])];
      for (const x of sources) {
        const k = sign(w, x.day);
        if (k !== 0) terms.push(`${k === 1 ? (terms.length > 0 ? '+ ' : '') : '- '}COALESCE(${qualify(v, x.as)}, 0)`);
      }
      cols.push(`${terms.length > 0 ? terms.join(' ') : 'CAST(0 AS BIGINT)'} AS ${c}`);
    }
  }
  const sql = `SELECT id, ${castAll(mart)} FROM (
  SELECT COALESCE(${ids.join(', ')}) AS id, ${cols.join(',\n    ')}
  FROM read_parquet(${sqlString(prevPath)}) p
  ${joins.join('\n  ')}
) WHERE ${inMart(wins)} OR dn > 0`;
  return { sql, params: {} };
}

/**
 * The mart's rows from a state (`source`: a table, or read_parquet of a state file), column for
 * column the expressions of the full builder (buildSpecMartSql) over the same exact integers, so
 * the file has the same types and values.
 */
export function finishSql(mart: MartDef, source: string, martDay: Day): SqlQuery {
  const wins = windowsOf(mart);
  const byKey = new Map(wins.map((w) => [w.key, w]));
  const cols = mart.columns.map((c) => {
    const w = byKey.get(`${c.lagged ? 'lag' : 'now'}${c.days}`)!;
    const n = ref(w, 'n');
    const ratio = (num: string) => `CASE WHEN ${n} > 0 THEN CAST(${num} AS DOUBLE) / ${n} ELSE CAST(0 AS DOUBLE) END`;
    const sql: Partial<Record<AggregateKind, string>> = {
      count: n,
      sum: `CAST(${ref(w, 's')} AS DOUBLE) / 100`,
      mean: ratio(`CAST(${ref(w, 's')} AS DOUBLE) / 100`),
      // The full builder sums BIGINT frauds, which DuckDB types HUGEINT.
      fraud_count: `CAST(${ref(w, 'f')} AS HUGEINT)`,
      fraud_share: ratio(`CAST(${ref(w, 'f')} AS HUGEINT)`),
      active_days: ref(w, 'a'),
      fraud_days: ref(w, 'fd'),
    };
    if (sql[c.kind] === undefined) throw new Error(`${c.kind} has no window state`);
    return `${sql[c.kind]} AS ${c.name}`;
  });
  const entity = ENTITY_COLUMN[mart.entity];
  return { sql: `SELECT CAST($mart_day AS DATE) AS mart_date, id AS ${entity},\n  ${cols.join(',\n  ')}\nFROM ${source}\nWHERE ${inMart(wins)}\nORDER BY id`, params: { mart_day: martDay } };
}
