import { daysBetween, addDays, type Day } from '../../../src/util/dates.js';
import type { TxLake, TxRow } from './txLake.js';

/**
 * The features computed the plain way, from raw rows, with no SQL: the reference the marts and the
 * feature assembly must agree with. Written from DESIGN.md §3 alone.
 */
const NS = [1, 7, 30];

/** Rows of the days end-n+1 … end. */
function rowsInWindow(lake: TxLake, end: Day, n: number): TxRow[] {
  const out: TxRow[] = [];
  for (const [day, rows] of lake) {
    const age = daysBetween(day, end);
    if (age >= 0 && age < n) out.push(...rows);
  }
  return out;
}

/** entity id → [nb_1d, mean_1d, nb_7d, mean_7d, nb_30d, mean_30d]; entities seen in the 30-day window. */
function windowMart(lake: TxLake, end: Day, key: (r: TxRow) => number, value: (r: TxRow) => number): Map<number, number[]> {
  const ids = new Set(rowsInWindow(lake, end, 30).map(key));
  const mart = new Map<number, number[]>();
  for (const id of ids) {
    const row: number[] = [];
    for (const n of NS) {
      const mine = rowsInWindow(lake, end, n).filter((r) => key(r) === id);
      const sum = mine.reduce((s, r) => s + value(r), 0);
      row.push(mine.length, mine.length === 0 ? 0 : sum / mine.length);
    }
    mart.set(id, row);
  }
  return mart;
}

export function oracleCustomerMart(lake: TxLake, day: Day): Map<number, number[]> {
  return windowMart(lake, day, (r) => r.customer, (r) => r.amount);
}

export function oracleTerminalMart(lake: TxLake, day: Day, delay: number): Map<number, number[]> {
  return windowMart(lake, addDays(day, -delay), (r) => r.terminal, (r) => r.fraud);
}

export interface OracleFeatures {
  /** transaction id → the 15 features in FEATURE_NAMES order. */
  byId: Map<number, number[]>;
  noHistoryCustomers: number;
  noHistoryTerminals: number;
}

/** Features of each transaction of `day`: its own fields, then the marts of day-1 (zeros when absent). */
export function oracleFeatures(lake: TxLake, day: Day, delay: number): OracleFeatures {
  const cust = oracleCustomerMart(lake, addDays(day, -1));
  const term = oracleTerminalMart(lake, addDays(day, -1), delay);
  const zeros = [0, 0, 0, 0, 0, 0];
  const out: OracleFeatures = { byId: new Map(), noHistoryCustomers: 0, noHistoryTerminals: 0 };
  for (const r of lake.get(day) ?? []) {
    const t = new Date(r.ms);
    const weekend = t.getUTCDay() === 0 || t.getUTCDay() === 6 ? 1 : 0;
    const night = t.getUTCHours() <= 6 ? 1 : 0;
    if (!cust.has(r.customer)) out.noHistoryCustomers += 1;
    if (!term.has(r.terminal)) out.noHistoryTerminals += 1;
    out.byId.set(r.id, [r.amount, weekend, night, ...(cust.get(r.customer) ?? zeros), ...(term.get(r.terminal) ?? zeros)]);
  }
  return out;
}

/** Per entity and window n ∈ {1, 7, 30}: the transaction count, the amounts in whole cents, the frauds; all integers. */
export interface ExactWindows {
  n: number[];
  cents: number[];
  frauds: number[];
}

/**
 * The handbook marts' ingredients computed exactly, in integers (amounts are whole cents, so
 * their sums are exact below 2^53): the customer windows end with `day`, the terminal windows
 * `delay` days before it. Entities seen in the 30-day window.
 */
export function exactHandbookWindows(lake: TxLake, day: Day, delay: number, entity: 'customer' | 'terminal'): Map<number, ExactWindows> {
  const end = entity === 'customer' ? day : addDays(day, -delay);
  const out = new Map<number, ExactWindows>();
  NS.forEach((n, k) => {
    for (const r of rowsInWindow(lake, end, n)) {
      const id = entity === 'customer' ? r.customer : r.terminal;
      if (!out.has(id)) out.set(id, { n: [0, 0, 0], cents: [0, 0, 0], frauds: [0, 0, 0] });
      const w = out.get(id)!;
      w.n[k] += 1;
      w.cents[k] += Math.round(r.amount * 100);
      w.frauds[k] += r.fraud;
    }
  });
  return out;
}
