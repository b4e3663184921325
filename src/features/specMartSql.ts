import { addDays, daysBetween, type Day } from '../util/dates.js';
import { ENTITY_COLUMN, type MartColumn, type MartDef } from './featureSpec.js';
import type { SqlDialect } from './sqlDialect.js';

export interface SqlQuery {
  sql: string;
  params: Record<string, string | number>;
}

export interface SpecMartInput {
  martDay: Day;
  delay: number;
  /** The transaction partitions that exist among the days the mart reads (martHistoryDays). */
  partitions: readonly { day: Day; path: string }[];
}

/** A window's end day: the mart day, or `delay` days before it for lagged columns. */
export function columnWindowEnd(martDay: Day, delay: number, lagged: boolean): Day {
  return lagged ? addDays(martDay, -delay) : martDay;
}

/** Every transaction day a mart of `martDay` reads, oldest first. */
export function martHistoryDays(mart: MartDef, martDay: Day, delay: number): Day[] {
  const days = new Set<Day>();
  for (const c of mart.columns) {
    const end = columnWindowEnd(martDay, delay, c.lagged);
    for (let age = 0; age < c.days; age += 1) days.add(addDays(end, -age));
  }
  return [...days].sort();
}

/** Exact sums of money: amounts are summed in whole cents (DECIMAL), so a rebuild gives the same bits whatever the thread count. */
const CENTS = 'CAST(tx_amount AS DECIMAL(18, 2))';

interface Group {
  key: 'now' | 'lag';
  end: Day;
  columns: MartColumn[];
  /** Window lengths, ascending: band k holds the days of age L[k-1] … L[k]-1 before the end. */
  lengths: number[];
}

const sumOf = (terms: string[], zero: string) => (terms.length === 0 ? zero : terms.length === 1 ? terms[0] : `(${terms.join(' + ')})`);

/**
 * `SELECT …` of one mart (one row per entity with a transaction in any of its windows, ordered
 * by id), ready to wrap in COPY … TO. Columns: mart_date, the entity id, then the spec's columns.
 *
 * Windows of one end day are nested, so they are cut into disjoint bands of days, each read and
 * aggregated once; a window's count, sums, extremes and (active / fraud) days are sums or
 * LEAST/GREATEST over its bands. Quantiles and distinct counts do not compose, so each window that
 * needs one is aggregated over its own files. Which partition files are read decides which days
 * count: no date is compared row by row, and the mart date is a parameter.
 */
export function buildSpecMartSql(mart: MartDef, input: SpecMartInput, dialect: SqlDialect): SqlQuery {
  const entity = ENTITY_COLUMN[mart.entity];
  const groups: Group[] = [];
  for (const lagged of [false, true]) {
    const columns = mart.columns.filter((c) => c.lagged === lagged);
    if (columns.length === 0) continue;
    const lengths = [...new Set(columns.map((c) => c.days))].sort((a, b) => a - b);
    groups.push({ key: lagged ? 'lag' : 'now', end: columnWindowEnd(input.martDay, input.delay, lagged), columns, lengths });
  }
  const filesAged = (g: Group, minAge: number, maxAge: number) =>
    input.partitions.filter((p) => {
      const age = daysBetween(p.day, g.end);
      return age >= minAge && age <= maxAge;
    });
  const ctes: string[] = [];
  const joins: string[] = [];
  const bandIds: string[] = [];
  const colSql = new Map<string, string>();
  let step = 0;
  for (const g of groups) {
    const kinds = new Set(g.columns.map((c) => c.kind));
    const has = (...k: string[]) => k.some((x) => kinds.has(x as MartColumn['kind']));
    const withDay = has('active_days', 'fraud_days');
    const stats = [
      'COUNT(*) AS n',
      ...(has('sum', 'mean') ? [`SUM(${CENTS}) AS s`] : []),
      ...(has('fraud_count', 'fraud_share') ? ['SUM(CAST(tx_fraud AS BIGINT)) AS f'] : []),
      ...(has('min') ? ['MIN(CAST(tx_amount AS DOUBLE)) AS mn'] : []),
      ...(has('max') ? ['MAX(CAST(tx_amount AS DOUBLE)) AS mx'] : []),
      ...(has('active_days') ? ['COUNT(DISTINCT day) AS ad'] : []),
      ...(has('fraud_days') ? ['COUNT(DISTINCT CASE WHEN tx_fraud = 1 THEN day END) AS fd'] : []),
    ];
    // 1. bands of days: each file aggregated once
    const bands: (string | undefined)[] = g.lengths.map((len, k) => {
      const minAge = k === 0 ? 0 : g.lengths[k - 1];
      const files = filesAged(g, minAge, len - 1);
      if (files.length === 0) return undefined;
      const name = `${g.key}_b${k + 1}`;
      step += 1;
      ctes.push(`-- ${step}. ${g.key === 'lag' ? 'behind the label delay, ' : ''}days end-${len - 1} … end-${minAge} (${files.length} partition${files.length === 1 ? '' : 's'}): per ${entity}
${name} AS (
  SELECT CAST(${entity} AS BIGINT) AS id, ${stats.join(', ')}
  FROM ${dialect.transactions(files, withDay)}
  WHERE ${entity} IS NOT NULL
  GROUP BY CAST(${entity} AS BIGINT)
)`);
      joins.push(`LEFT JOIN ${name} ON ${name}.id = ids.id`);
      bandIds.push(`SELECT id FROM ${name}`);
      return name;
    });
    // 2. windows needing a holistic aggregate (quantile, distinct count): over their own files
    const holistic = new Map<number, string>();
    for (const len of g.lengths) {
      const cols = g.columns.filter((c) => c.days === len && (c.kind === 'quantile' || c.kind === 'distinct_count'));
      const files = filesAged(g, 0, len - 1);
      if (cols.length === 0 || files.length === 0) continue;
      const name = `${g.key}_w${len}`;
      const aggs = new Map<string, string>();
      for (const c of cols) {
        if (c.kind === 'quantile') aggs.set(`q${aggs.size}`, dialect.quantile('CAST(tx_amount AS DOUBLE)', c.q!));
        else aggs.set(`d${aggs.size}`, `COUNT(DISTINCT CAST(${c.column} AS BIGINT))`);
        colSql.set(c.name, `${name}.${[...aggs.keys()].pop()}`);
      }
      step += 1;
      ctes.push(`-- ${step}. ${g.key === 'lag' ? 'behind the label delay, ' : ''}the ${len}-day window whole (quantiles and distinct counts do not add up over bands)
${name} AS (
  SELECT CAST(${entity} AS BIGINT) AS id, ${[...aggs].map(([k, v]) => `${v} AS ${k}`).join(', ')}
  FROM ${dialect.transactions(files, false)}
  WHERE ${entity} IS NOT NULL
  GROUP BY CAST(${entity} AS BIGINT)
)`);
      joins.push(`LEFT JOIN ${name} ON ${name}.id = ids.id`);
      holistic.set(len, name);
    }
    // 3. each column of a window from its bands; empty windows give 0
    for (const c of g.columns) {
      const inWindow = bands.filter((b, k): b is string => b !== undefined && g.lengths[k] <= c.days);
      const total = (stat: string, zero = 'CAST(0 AS BIGINT)') => sumOf(inWindow.map((b) => `COALESCE(${b}.${stat}, 0)`), zero);
      const n = total('n');
      const ratio = (num: string) => `CASE WHEN ${n} > 0 THEN CAST(${num} AS DOUBLE) / ${n} ELSE CAST(0 AS DOUBLE) END`;
      const extreme = (fn: 'LEAST' | 'GREATEST', stat: string) =>
        inWindow.length === 0 ? 'CAST(0 AS DOUBLE)' : `COALESCE(${inWindow.length === 1 ? `${inWindow[0]}.${stat}` : `${fn}(${inWindow.map((b) => `${b}.${stat}`).join(', ')})`}, CAST(0 AS DOUBLE))`;
      const sql: Record<MartColumn['kind'], () => string> = {
        count: () => n,
        sum: () => `CAST(${total('s', 'CAST(0 AS DECIMAL(38, 2))')} AS DOUBLE)`,
        mean: () => ratio(total('s', 'CAST(0 AS DECIMAL(38, 2))')),
        min: () => extreme('LEAST', 'mn'),
        max: () => extreme('GREATEST', 'mx'),
        quantile: () => colSql.get(c.name) ? `COALESCE(${colSql.get(c.name)}, CAST(0 AS DOUBLE))` : 'CAST(0 AS DOUBLE)',
        distinct_count: () => colSql.get(c.name) ? `COALESCE(${colSql.get(c.name)}, CAST(0 AS BIGINT))` : 'CAST(0 AS BIGINT)',
        active_days: () => total('ad'),
        fraud_count: () => total('f'),
        fraud_share: () => ratio(total('f')),
        fraud_days: () => total('fd'),
      };
      colSql.set(c.name, sql[c.kind]());
    }
  }
  const ids = bandIds.length > 0 ? bandIds.join('\n  UNION\n  ') : 'SELECT CAST(NULL AS BIGINT) AS id WHERE 1 = 0';
  const sql = `
WITH
${ctes.join(',\n')}${ctes.length > 0 ? ',' : ''}
-- ${step + 1}. every ${entity} with a transaction in any window of the mart
ids AS (
  ${ids}
)
-- ${step + 2}. one row per ${entity}: each column from its window's bands (0 for an empty window)
SELECT CAST(${dialect.param('mart_day')} AS DATE) AS mart_date, ids.id AS ${entity},
  ${mart.columns.map((c) => `${colSql.get(c.name)} AS ${c.name}`).join(',\n  ')}
FROM ids
${joins.join('\n')}
ORDER BY ids.id`;
  return { sql, params: { mart_day: input.martDay } };
}
