import { describe, expect, it } from 'vitest';
import { buildMartsForDay } from '../../src/features/marts.js';
import { dayRange } from '../../src/util/dates.js';
import { martDiff, quietLog, readMart } from './helpers/marts.js';
import { oracleCustomerMart, oracleTerminalMart } from './helpers/oracle.js';
import { withRandomLake } from './helpers/txLake.js';

describe('marts agree with a plain TypeScript oracle on a random lake', () => {
  // 50 days from 2025-01-01; 2025-02-10 has an empty partition. Small id pools so windows overlap.
  const fx = withRandomLake({ seed: 7, start: '2025-01-01', days: 50, customers: 60, terminals: 9, txPerDay: 40, fraudRate: 0.15, emptyDays: ['2025-02-10'] });
  const { root, lake } = fx;
  const log = quietLog();

  // 2025-02-06 is the first day whose windows (D-36 … D with delay 7) lie inside the lake.
  const fullDays = dayRange('2025-02-06', '2025-02-19');

  it('every entity and feature, on every fully covered day (delay 7)', async () => {
    for (const day of fullDays) {
      const r = await buildMartsForDay(fx.db, lake, day, { delay: 7, allowPartialHistory: false, overwrite: false, log });
      expect(r.missingHistory).toEqual([]);
      const cust = await readMart(fx.db, root, 'customer', day);
      const term = await readMart(fx.db, root, 'terminal', day);
      expect(r.customers).toBe(cust.size);
      expect(r.terminals).toBe(term.size);
      expect(martDiff(cust, oracleCustomerMart(fx.tx, day)), `customer mart ${day}`).toBeUndefined();
      expect(martDiff(term, oracleTerminalMart(fx.tx, day, 7)), `terminal mart ${day}`).toBeUndefined();
    }
  });

  it('other delays: 0 (terminal window ends with D) and 3', async () => {
    for (const delay of [0, 3]) {
      const day = '2025-02-15';
      await buildMartsForDay(fx.db, lake, day, { delay, allowPartialHistory: false, overwrite: true, log });
      expect(martDiff(await readMart(fx.db, root, 'terminal', day), oracleTerminalMart(fx.tx, day, delay)), `delay ${delay}`).toBeUndefined();
    }
  });

  it('partial history at the start of the lake, computed over what exists', async () => {
    for (const day of ['2025-01-01', '2025-01-05', '2025-01-20']) {
      const r = await buildMartsForDay(fx.db, lake, day, { delay: 7, allowPartialHistory: true, overwrite: true, log });
      expect(r.missingHistory.length).toBeGreaterThan(0);
      expect(r.missingHistory.every((d) => d < '2025-01-01')).toBe(true);
      expect(martDiff(await readMart(fx.db, root, 'customer', day), oracleCustomerMart(fx.tx, day))).toBeUndefined();
      expect(martDiff(await readMart(fx.db, root, 'terminal', day), oracleTerminalMart(fx.tx, day, 7))).toBeUndefined();
    }
    // On 2025-01-01 the terminal window (2024-11-25 … 2024-12-25) is empty: a mart with no rows.
    expect((await readMart(fx.db, root, 'terminal', '2025-01-01')).size).toBe(0);
  });
});
