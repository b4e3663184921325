import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/lake/db.js';
import { LocalLake } from '../../src/lake/localLake.js';
import { buildMartsForDay } from '../../src/features/marts.js';
import { addDays, dayRange } from '../../src/util/dates.js';
import { martDiff, quietLog, readMart } from './helpers/marts.js';
import { oracleCustomerMart, oracleTerminalMart } from './helpers/oracle.js';
import { at, tmpLakeDir, writeTxLake, type TxLake, type TxRow } from './helpers/txLake.js';

/**
 * Hand-made rows around every edge: midnight and 23:59:59, windows of exactly n days, the label
 * delay boundary, entities with no history, and days with no transaction at all (empty partitions).
 * D = 2025-03-21, delay 7: customer windows end with D, terminal windows with D-7 = 2025-03-14.
 */
const D = '2025-03-21';
const d = (k: number) => addDays(D, k);
let nextId = 1;
const tx = (day: string, hh: number, mm: number, ss: number, customer: number, terminal: number, amount: number, fraud: 0 | 1 = 0): TxRow => ({
  id: nextId++,
  ms: at(day, hh, mm, ss),
  customer,
  terminal,
  amount,
  fraud,
});

const ROWS: TxRow[] = [
  // customer 1: two rows on D at the first and last second, one at the last second of D-1
  tx(d(0), 0, 0, 0, 1, 9, 10),
  tx(d(0), 23, 59, 59, 1, 9, 20),
  tx(d(-1), 23, 59, 59, 1, 9, 40),
  // customer 2: D-6 00:00:00 is the oldest second of the 7-day window, D-7 23:59:59 is just outside it
  tx(d(-6), 0, 0, 0, 2, 9, 100),
  tx(d(-7), 23, 59, 59, 2, 9, 50),
  // customer 3: D-29 is the oldest day of the 30-day window; customer 4 only has D-30, outside it
  tx(d(-29), 0, 0, 0, 3, 9, 8),
  tx(d(-30), 23, 59, 59, 3, 9, 1000),
  tx(d(-30), 12, 0, 0, 4, 9, 5),
  // terminal 1: on D-delay a fraud at 23:59:59 and a genuine at 00:00:00 count; the fraud on
  // D-delay+1 at 00:00:00 and everything on D do not
  tx(d(-7), 23, 59, 59, 11, 1, 30, 1),
  tx(d(-7), 0, 0, 0, 12, 1, 30, 0),
  tx(d(-6), 0, 0, 0, 13, 1, 30, 1),
  tx(d(0), 12, 0, 0, 14, 1, 30, 1),
  // terminal 2: transactions only after D-delay, so it has no history in the terminal mart of D
  tx(d(-3), 10, 0, 0, 15, 2, 30, 1),
  // terminal 3: a fraud on D-36, the oldest day of the delayed 30-day window, and one on D-37, outside it
  tx(d(-36), 0, 0, 0, 16, 3, 30, 1),
  tx(d(-37), 23, 59, 59, 16, 3, 30, 1),
];

describe('mart edge cases, by hand', () => {
  let db: Db;
  const root = tmpLakeDir();
  const lake = new LocalLake(root);
  const txLake: TxLake = new Map();

  beforeAll(async () => {
    db = await openDb({ threads: 1 });
    // Every day D-40 … D exists; those without a row above are empty partitions (0 rows).
    for (const day of dayRange(d(-40), D)) txLake.set(day, ROWS.filter((r) => new Date(r.ms).toISOString().slice(0, 10) === day));
    await writeTxLake(db, root, txLake);
    await buildMartsForDay(db, lake, D, { delay: 7, allowPartialHistory: false, overwrite: false, log: quietLog() });
  });
  afterAll(() => db.close());

  it('customer windows: midnight and 23:59:59 belong to their day; n-day windows are exactly n days', async () => {
    const cust = await readMart(db, root, 'customer', D);
    //                         nb1 avg1 nb7 avg7             nb30 avg30
    expect(cust.get(1)).toEqual([2, 15, 3, (10 + 20 + 40) / 3, 3, (10 + 20 + 40) / 3]);
    expect(cust.get(2)).toEqual([0, 0, 1, 100, 2, 75]);
    expect(cust.get(3)).toEqual([0, 0, 0, 0, 1, 8]);
    expect(cust.has(4)).toBe(false);
    expect(martDiff(cust, oracleCustomerMart(txLake, D))).toBeUndefined();
  });

  it('terminal windows: a fraud on D-delay counts, one on D-delay+1 does not', async () => {
    const term = await readMart(db, root, 'terminal', D);
    expect(term.get(1)).toEqual([2, 0.5, 2, 0.5, 2, 0.5]);
    expect(term.get(3)).toEqual([0, 0, 0, 0, 1, 1]);
    expect(term.has(2)).toBe(false);
    // terminal 9 (the customer rows): D-7 holds customer 2's 23:59:59 row; D-36 … D-7 adds customer
    // 3's rows of D-30 and D-29 and customer 4's of D-30; the rows of D-6 … D are not seen yet
    expect(term.get(9)).toEqual([1, 0, 1, 0, 4, 0]);
    expect(martDiff(term, oracleTerminalMart(txLake, D, 7))).toBeUndefined();
  });
});
