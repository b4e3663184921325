import { sqlString, type Db } from '../lake/db.js';
import type { Dataset, Lake } from '../lake/lake.js';
import { addDays, type Day } from '../util/dates.js';
import { ENTITY_COLUMN, type AggregateKind, type FeatureSpec, type MartDef } from './featureSpec.js';
import { martDataset } from './loadFeatureSpec.js';
import { copyParquet, type MartKv } from './martEngine.js';
import { KV, readKv } from './martMeta.js';
import { columnWindowEnd, martHistoryDays, type SqlQuery } from './specMartSql.js';
import { duckdbDialect } from './sqlDialect.js';

/**
 * The incremental route (a prototype, opt-in through BuildMartsOptions.incremental; see README
 * "Incremental marts"). A mart's *window state* holds, per entity, the exact integer aggregates of
 * every window: count, cent sum (DECIMAL), frauds. The state of D is the state of D-1 plus the
 * transactions of each window's new end day minus those of the day that left it, so a day's marts
 * read 4 transaction days instead of 30. Only aggregates that can be subtracted qualify; the mart
 * columns are then finished from the state with the same expressions as the full builder, so both
 * routes give the same bytes.
 */
export const INCREMENTAL_KINDS: ReadonlySet<AggregateKind> = new Set(['count', 'sum', 'mean', 'fraud_count', 'fraud_share']);

export const STATE_KV = { inputs: 'fraudctl.state_inputs', version: 'fraudctl.state_version' } as const;
/** Bumped whenever the state's columns or types change: a state of another version is not carried forward. */
const STATE_VERSION = '1';

export function incrementalEligible(mart: MartDef): boolean {
  return mart.columns.every((c) => INCREMENTAL_KINDS.has(c.kind));
}

/** Where a mart's window state lives: beside its partitions, in a folder `lake ls` does not list as a spec. */
export function stateDataset(spec: FeatureSpec, mart: MartDef): Dataset {
  return `${martDataset(spec, mart.entity)}/_state`;
}

interface Win {
  /** Column-name stem: now7, lag30, … */
  key: string;
  len: number;
  lagged: boolean;
  cents: boolean;
  frauds: boolean;
}

function windowsOf(mart: MartDef): Win[] {
  const out = new Map<string, Win>();
  for (const c of mart.columns) {
    const key = `${c.lagged ? 'lag' : 'now'}${c.days}`;
    const w = out.get(key) ?? { key, len: c.days, lagged: c.lagged, cents: false, frauds: false };
    if (c.kind === 'sum' || c.kind === 'mean') w.cents = true;
    if (c.kind === 'fraud_count' || c.kind === 'fraud_share') w.frauds = true;
    out.set(key, w);
  }
  return [...out.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * Whole cents as BIGINT: the full builder's DECIMAL(18, 2) cast, scaled (exact), so sums are
 * 64-bit integer additions instead of 128-bit decimal ones. CAST(SUM(DECIMAL) AS DOUBLE) equals
 * CAST(cents AS DOUBLE) / 100 (DuckDB divides the unscaled integer by 10^scale), which is how means
 * are finished, so the mart bytes are those of the full builder.
 */
const CENTS = 'CAST(CAST(tx_amount AS DECIMAL(18, 2)) * 100 AS BIGINT)';
const FRAUD = 'CAST(tx_fraud AS BIGINT)';

/** The state's columns with their types (the same whichever route computed them). */
function stateColumns(wins: Win[]): string[] {
  return stateNames(wins).map((c) => `CAST(${c} AS BIGINT) AS ${c}`);
}

const stateNames = (wins: Win[]) => wins.flatMap((w) => [`n_${w.key}`, ...(w.cents ? [`s_${w.key}`] : []), ...(w.frauds ? [`f_${w.key}`] : [])]);

/** An entity stays in the state (and the mart) while any window holds a transaction. */
const anyWindow = (wins: Win[], n: (w: Win) => string) => wins.map((w) => `${n(w)} > 0`).join(' OR ');

export interface StateInput {
  martDay: Day;
  delay: number;
  /** Transaction partitions read, with their days. */
  partitions: readonly { day: Day; path: string }[];
}

/** The full computation of the state of `martDay`: one scan of every history day, each window a FILTER. */
export function fullStateSql(mart: MartDef, input: StateInput): SqlQuery {
  const wins = windowsOf(mart);
  const params: Record<string, string> = {};
  const inWin = (w: Win) => {
    const end = columnWindowEnd(input.martDay, input.delay, w.lagged);
    params[`a_${w.key}`] = addDays(end, -(w.len - 1));
    params[`b_${w.key}`] = end;
    return `FILTER (WHERE day BETWEEN CAST($a_${w.key} AS DATE) AND CAST($b_${w.key} AS DATE))`;
  };
  const aggs = wins.flatMap((w) => {
    const f = inWin(w);
    return [`COUNT(*) ${f} AS n_${w.key}`, ...(w.cents ? [`COALESCE(SUM(cents) ${f}, 0) AS s_${w.key}`] : []), ...(w.frauds ? [`COALESCE(SUM(${FRAUD}) ${f}, 0) AS f_${w.key}`] : [])];
  });
  const entity = ENTITY_COLUMN[mart.entity];
  const sql = `SELECT id, ${stateColumns(wins).join(', ')} FROM (
  SELECT CAST(${entity} AS BIGINT) AS id, ${aggs.join(', ')}
  FROM (SELECT *, ${CENTS} AS cents FROM ${duckdbDialect.transactions(input.partitions, true)})
  WHERE ${entity} IS NOT NULL
  GROUP BY CAST(${entity} AS BIGINT)
) WHERE ${anyWindow(wins, (w) => `n_${w.key}`)}`;
  return { sql, params };
}

/** The days an incremental step reads: each window's new end day and the day that left it. */
export function deltaDays(mart: MartDef, martDay: Day, delay: number): Day[] {
  const days = new Set<Day>();
  for (const w of windowsOf(mart)) {
    const end = columnWindowEnd(martDay, delay, w.lagged);
    days.add(end);
    days.add(addDays(end, -w.len));
  }
  return [...days].sort();
}

/**
 * The state of `martDay` from the state of the day before (`prevPath`) and the delta days'
 * transactions, each signed (+ for a window's new end day, − for the day that left it): one
 * GROUP BY over both, so each delta row is hashed once. The sums run in DOUBLE, which is exact
 * here: every term and partial sum is a whole number (counts, cents) far below 2^53, so no
 * addition rounds and the order of additions cannot matter; it costs ~30 % less CPU than
 * DuckDB's 128-bit integer sums.
 */
export function incrementalStateSql(mart: MartDef, input: StateInput, prevPath: string): SqlQuery {
  const wins = windowsOf(mart);
  const params: Record<string, string> = {};
  const signed = (w: Win, value: string) => {
    const end = columnWindowEnd(input.martDay, input.delay, w.lagged);
    params[`in_${w.key}`] = end;
    params[`out_${w.key}`] = addDays(end, -w.len);
    return `CASE WHEN day = CAST($in_${w.key} AS DATE) THEN ${value} WHEN day = CAST($out_${w.key} AS DATE) THEN -${value} ELSE 0 END`;
  };
  const delta = wins.flatMap((w) => [`${signed(w, '1')} AS n_${w.key}`, ...(w.cents ? [`${signed(w, 'cents')} AS s_${w.key}`] : []), ...(w.frauds ? [`${signed(w, FRAUD)} AS f_${w.key}`] : [])]);
  const names = stateNames(wins);
  const entity = ENTITY_COLUMN[mart.entity];
  const sql = `SELECT id, ${stateColumns(wins).join(', ')} FROM (
  SELECT id, ${names.map((c) => `SUM(CAST(${c} AS DOUBLE)) AS ${c}`).join(', ')}
  FROM (
    SELECT id, ${names.join(', ')} FROM read_parquet(${sqlString(prevPath)})
    UNION ALL
    SELECT CAST(${entity} AS BIGINT) AS id, ${delta.join(', ')}
    FROM (SELECT *, ${CENTS} AS cents FROM ${duckdbDialect.transactions(input.partitions, true)})
    WHERE ${entity} IS NOT NULL
  )
  GROUP BY id
) WHERE ${anyWindow(wins, (w) => `n_${w.key}`)}`;
  return { sql, params };
}

/**
 * The mart's rows from a state table, column for column the expressions of the full builder
 * (buildSpecMartSql) over the same exact integers, so the file has the same types and values.
 */
export function finishSql(mart: MartDef, table: string, martDay: Day): SqlQuery {
  const wins = new Map(windowsOf(mart).map((w) => [w.key, w]));
  const cols = mart.columns.map((c) => {
    const k = `${c.lagged ? 'lag' : 'now'}${c.days}`;
    if (!wins.has(k)) throw new Error(`no state window ${k}`);
    const ratio = (num: string) => `CASE WHEN n_${k} > 0 THEN CAST(${num} AS DOUBLE) / n_${k} ELSE CAST(0 AS DOUBLE) END`;
    const sql: Partial<Record<AggregateKind, string>> = {
      count: `n_${k}`,
      sum: `CAST(s_${k} AS DOUBLE) / 100`,
      mean: ratio(`CAST(s_${k} AS DOUBLE) / 100`),
      // The full builder sums BIGINT frauds, which DuckDB types HUGEINT.
      fraud_count: `CAST(f_${k} AS HUGEINT)`,
      fraud_share: ratio(`CAST(f_${k} AS HUGEINT)`),
    };
    return `${sql[c.kind]} AS ${c.name}`;
  });
  const entity = ENTITY_COLUMN[mart.entity];
  return { sql: `SELECT CAST($mart_day AS DATE) AS mart_date, id AS ${entity},\n  ${cols.join(',\n  ')}\nFROM ${table}\nORDER BY id`, params: { mart_day: martDay } };
}

/**
 * Per transactions partition, a digest of its parquet footer (row groups, sizes, offsets and
 * column statistics): a rewritten partition gets another digest, so a state built from the old
 * one is not reused. Reads footers only.
 */
export async function inputDigests(db: Db, parts: readonly { day: Day; path: string }[]): Promise<Record<Day, string>> {
  if (parts.length === 0) return {};
  const list = `[${parts.map((p) => sqlString(p.path)).join(', ')}]`;
  const rows = await db.all<{ f: string; d: string }>(
    `SELECT file_name AS f, md5(string_agg(concat_ws('|', row_group_id, row_group_num_rows, column_id, total_compressed_size, data_page_offset, stats_min_value, stats_max_value, stats_null_count), ';' ORDER BY row_group_id, column_id)) AS d
     FROM parquet_metadata(${list}) GROUP BY file_name`,
  );
  const byPath = new Map(rows.map((r) => [r.f, r.d]));
  return Object.fromEntries(parts.map((p) => [p.day, byPath.get(p.path) ?? '']));
}

/** `day=digest,…`: what the state was built from (parquet key-value metadata). */
const formatDigests = (d: Record<Day, string>) => Object.entries(d).map(([day, h]) => `${day}=${h}`).join(',');
const parseDigests = (s: string): Record<Day, string> => Object.fromEntries(s.split(',').filter(Boolean).map((p) => p.split('=')));

export type StateRoute = { route: 'incremental'; prevPath: string; digests: Record<Day, string> } | { route: 'full'; why: string; digests: Record<Day, string> };

/**
 * Whether the state of the day before can be carried forward: it must exist, carry this spec hash
 * and delay, have been built with no missing history, and every transactions partition it covers
 * must still have the digest it was built from. Otherwise the full computation runs.
 */
export async function chooseRoute(db: Db, lake: Lake, spec: FeatureSpec, mart: MartDef, day: Day, delay: number, available: ReadonlySet<Day>): Promise<StateRoute> {
  const history = martHistoryDays(mart, day, delay);
  const prevDay = addDays(day, -1);
  const prevHistory = martHistoryDays(mart, prevDay, delay);
  const covered = [...new Set([...history, ...prevHistory])].filter((d) => available.has(d)).sort();
  const digests = await inputDigests(db, (await lake.pathsForRead('transactions', covered)).map((path, i) => ({ day: covered[i], path })));
  const full = (why: string): StateRoute => ({ route: 'full', why, digests });
  if (history.some((d) => !available.has(d)) || prevHistory.some((d) => !available.has(d))) return full('history incomplete');
  const ds = stateDataset(spec, mart);
  if (!(await lake.has(ds, prevDay))) return full(`no window state of ${prevDay}`);
  const [prevPath] = await lake.pathsForRead(ds, [prevDay]);
  const kv = await readKv(db, prevPath).catch(() => undefined);
  if (!kv) return full(`window state of ${prevDay} unreadable`);
  if (kv[STATE_KV.version] !== STATE_VERSION || kv[KV.specHash] !== spec.hash || Number(kv[KV.delay]) !== delay || (kv[KV.missing] ?? '') !== '') return full(`window state of ${prevDay} built otherwise`);
  const built = parseDigests(kv[STATE_KV.inputs] ?? '');
  const changed = prevHistory.filter((d) => built[d] !== digests[d]);
  if (changed.length > 0) return full(`transactions changed since the state of ${prevDay}: ${changed.join(', ')}`);
  return { route: 'incremental', prevPath, digests };
}

export interface StateMartOut {
  rows: number;
  route: 'incremental' | 'full';
  why?: string;
}

/**
 * Builds one mart through its window state: the state of `day` (incremental when the day before's
 * can be carried forward, else in full) is computed into a temporary table, published as the
 * state partition, and the mart is finished from it into `target`. The state is published before
 * the mart; a state without its mart is still a correct state.
 */
export async function copyMartViaState(db: Db, lake: Lake, spec: FeatureSpec, mart: MartDef, day: Day, o: { delay: number; available: ReadonlySet<Day>; kv: MartKv }, target: string): Promise<StateMartOut> {
  let route = await chooseRoute(db, lake, spec, mart, day, o.delay, o.available);
  const history = martHistoryDays(mart, day, o.delay).filter((d) => o.available.has(d));
  const compute = async (r: StateRoute) => {
    const readDays = r.route === 'incremental' ? deltaDays(mart, day, o.delay) : history;
    const paths = await lake.pathsForRead('transactions', readDays);
    const input = { martDay: day, delay: o.delay, partitions: readDays.map((d, i) => ({ day: d, path: paths[i] })) };
    const state = r.route === 'incremental' ? incrementalStateSql(mart, input, r.prevPath) : fullStateSql(mart, input);
    await db.run(`CREATE OR REPLACE TEMP TABLE mart_state AS ${state.sql}`, state.params);
  };
  try {
    await compute(route);
  } catch (e) {
    // The state is a cache: whatever went wrong carrying it forward, the full computation decides (and reports bad transactions itself).
    if (route.route === 'full') throw e;
    route = { route: 'full', why: `carrying the state forward failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, digests: route.digests };
    await compute(route);
  }
  try {
    const inputs = Object.fromEntries(history.map((d) => [d, route.digests[d]]));
    await lake.writePartition(stateDataset(spec, mart), day, async (tmp) => {
      // Unordered (it is only read back through a GROUP BY) and snappy: half zstd's CPU for a file read once, ~1.7× its size.
      await copyParquet(db, { sql: 'SELECT * FROM mart_state', params: {} }, tmp, { ...o.kv, [STATE_KV.inputs]: formatDigests(inputs), [STATE_KV.version]: STATE_VERSION }, 'snappy');
    });
    const rows = await copyParquet(db, finishSql(mart, 'mart_state', day), target, o.kv);
    return { rows, route: route.route, ...(route.route === 'full' ? { why: route.why } : {}) };
  } finally {
    await db.run('DROP TABLE IF EXISTS mart_state');
  }
}
