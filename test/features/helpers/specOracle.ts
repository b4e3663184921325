import { readParquetList, type Db } from '../../../src/lake/db.js';
import { LocalLake } from '../../../src/lake/localLake.js';
import type { Expr } from '../../../src/features/expression.js';
import type { Entity, FeatureSpec, MartColumn } from '../../../src/features/featureSpec.js';
import { martDataset } from '../../../src/features/loadFeatureSpec.js';
import { addDays, daysBetween, type Day } from '../../../src/util/dates.js';
import type { TxLake, TxRow } from './txLake.js';

/**
 * Every aggregate kind computed the plain way from raw rows, one loop per column, from the
 * definitions in the README ("Feature specs") alone: the reference the generated SQL must match.
 */
type Mart = Map<number, Record<string, number>>;

const keyOf = (entity: Entity) => (entity === 'customer' ? (r: TxRow) => r.customer : (r: TxRow) => r.terminal);

function windowRows(lake: TxLake, end: Day, n: number): { day: Day; row: TxRow }[] {
  const out: { day: Day; row: TxRow }[] = [];
  for (const [day, rows] of lake) {
    const age = daysBetween(day, end);
    if (age >= 0 && age < n) for (const row of rows) out.push({ day, row });
  }
  return out;
}

/** Linear interpolation between closest ranks (numpy's default, DuckDB quantile_cont). */
function quantile(values: number[], q: number): number {
  const a = [...values].sort((x, y) => x - y);
  const pos = q * (a.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return a[lo] + (a[hi] - a[lo]) * (pos - lo);
}

function aggregate(c: MartColumn, rows: { day: Day; row: TxRow }[]): number {
  const n = rows.length;
  // Money is added in whole cents, so the sum is exact.
  const sum = rows.reduce((s, x) => s + Math.round(x.row.amount * 100), 0) / 100;
  const frauds = rows.reduce((s, x) => s + x.row.fraud, 0);
  const amounts = rows.map((x) => x.row.amount);
  if (n === 0) return 0;
  switch (c.kind) {
    case 'count': return n;
    case 'sum': return sum;
    case 'mean': return sum / n;
    case 'min': return Math.min(...amounts);
    case 'max': return Math.max(...amounts);
    case 'quantile': return quantile(amounts, c.q!);
    case 'distinct_count': return new Set(rows.map((x) => (c.column === 'terminal_id' ? x.row.terminal : x.row.customer))).size;
    case 'active_days': return new Set(rows.map((x) => x.day)).size;
    case 'fraud_count': return frauds;
    case 'fraud_share': return frauds / n;
    case 'fraud_days': return new Set(rows.filter((x) => x.row.fraud === 1).map((x) => x.day)).size;
  }
}

/** The mart of `entity` for `day`: entities with a transaction in any of its windows. */
export function oracleSpecMart(lake: TxLake, spec: FeatureSpec, entity: Entity, day: Day, delay: number): Mart {
  const mart = spec.marts.find((m) => m.entity === entity)!;
  const key = keyOf(entity);
  const inWindow = mart.columns.map((c) => ({ c, rows: windowRows(lake, c.lagged ? addDays(day, -delay) : day, c.days) }));
  const ids = new Set(inWindow.flatMap((w) => w.rows.map((x) => key(x.row))));
  const out: Mart = new Map();
  for (const id of ids) out.set(id, Object.fromEntries(inWindow.map(({ c, rows }) => [c.name, aggregate(c, rows.filter((x) => key(x.row) === id))])));
  return out;
}

function evaluate(e: Expr, value: (name: string) => number): number {
  switch (e.op) {
    case 'num': return e.value;
    case 'col': return value(e.name);
    case 'neg': return -evaluate(e.arg, value);
    case '+': return evaluate(e.left, value) + evaluate(e.right, value);
    case '-': return evaluate(e.left, value) - evaluate(e.right, value);
    case '*': return evaluate(e.left, value) * evaluate(e.right, value);
    case '/': {
      const den = evaluate(e.right, value);
      return den === 0 ? 0 : evaluate(e.left, value) / den;
    }
  }
}

/** transaction id → the spec's features of each transaction of `day`, from the marts of day-1. */
export function oracleSpecFeatures(lake: TxLake, spec: FeatureSpec, day: Day, delay: number): Map<number, number[]> {
  const prev = addDays(day, -1);
  const marts = new Map(spec.marts.map((m) => [m.entity, oracleSpecMart(lake, spec, m.entity, prev, delay)]));
  const out = new Map<number, number[]>();
  for (const r of lake.get(day) ?? []) {
    const t = new Date(r.ms);
    const own: Record<string, number> = { tx_amount: r.amount, tx_during_weekend: t.getUTCDay() === 0 || t.getUTCDay() === 6 ? 1 : 0, tx_during_night: t.getUTCHours() <= 6 ? 1 : 0 };
    const value = (name: string): number => {
      if (name in own) return own[name];
      for (const [entity, mart] of marts) {
        const row = mart.get(entity === 'customer' ? r.customer : r.terminal);
        const m = spec.marts.find((x) => x.entity === entity)!;
        if (m.columns.some((c) => c.name === name)) return row?.[name] ?? 0;
      }
      throw new Error(`no column ${name}`);
    };
    out.set(r.id, spec.features.map((f) => (f.source === 'expr' ? evaluate(f.expr, value) : value(f.name))));
  }
  return out;
}

/** A spec's mart partition as id → column → value. */
export async function readSpecMart(db: Db, root: string, spec: FeatureSpec, entity: Entity, day: Day): Promise<Mart> {
  const [path] = await new LocalLake(root).pathsForRead(martDataset(spec, entity), [day]);
  const cols = spec.marts.find((m) => m.entity === entity)!.columns.map((c) => c.name);
  const rows = await db.all<Record<string, unknown>>(`SELECT * FROM ${readParquetList([path])}`);
  const key = entity === 'customer' ? 'customer_id' : 'terminal_id';
  return new Map(rows.map((r) => [Number(r[key]), Object.fromEntries(cols.map((c) => [c, Number(r[c])]))]));
}

/** The first difference between two marts (same entities; values within 1e-9), or undefined. */
export function specMartDiff(actual: Mart, expected: Mart): string | undefined {
  const a = [...actual.keys()].sort((x, y) => x - y);
  const e = [...expected.keys()].sort((x, y) => x - y);
  if (a.join() !== e.join()) return `entities differ: got [${a.join()}], expected [${e.join()}]`;
  for (const id of e) {
    for (const [col, want] of Object.entries(expected.get(id)!)) {
      const got = actual.get(id)![col];
      if (!(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)))) return `entity ${id} ${col}: got ${got}, expected ${want}`;
    }
  }
  return undefined;
}
