import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMartsForDay } from '../../src/features/marts.js';
import { presetSpec } from '../../src/features/loadFeatureSpec.js';
import { openDb, sqlString } from '../../src/lake/db.js';
import { buildMartSql, CUSTOMER_MART, TERMINAL_MART, windowDays, windowEnd, type MartKind } from './helpers/legacyMartSql.js';
import { quietLog } from './helpers/marts.js';
import { exactHandbookWindows } from './helpers/oracle.js';
import { withRandomLake } from './helpers/txLake.js';

/**
 * "Bit-for-bit today's marts": the marts before feature specs summed amounts as parallel float
 * sums, whose last bits depended on thread scheduling, so no builder can equal them bit for bit
 * (not even they themselves across runs). What can be exact is pinned here:
 *  - against an exact integer computation (the oracle): counts, fraud counts and the cent sums
 *    behind the means are identical, terminal risks (one division) are bit-identical, means are
 *    within 1e-12;
 *  - against the old builder (a frozen copy in helpers/legacyMartSql.ts): same columns, types,
 *    rows and order; counts and risks identical; means within 1e-12;
 *  - a rebuild gives the same bytes, whatever the thread count.
 */
describe('handbook preset = the marts before feature specs', () => {
  // Larger pools than the oracle tests: more rows per group, so float sums have bits to lose.
  const fx = withRandomLake({ seed: 23, start: '2025-01-01', days: 45, customers: 400, terminals: 20, txPerDay: 3000, fraudRate: 0.05 });
  const { root, lake } = fx;
  const log = quietLog();
  const D = '2025-02-14';

  it.each(['customer', 'terminal'] as const)('%s mart = the exact integer computation: counts, frauds and cent sums exact, risks bit-for-bit, means within 1e-12', async (entity) => {
    await buildMartsForDay(fx.db, lake, D, { spec: presetSpec('handbook'), delay: 7, allowPartialHistory: false, overwrite: true, log });
    const rows = await fx.db.all<Record<string, number | bigint>>(`SELECT * FROM read_parquet(${sqlString(file(entity))}, hive_partitioning = false)`);
    const want = exactHandbookWindows(fx.tx, D, 7, entity);
    const key = entity === 'customer' ? 'customer_id' : 'terminal_id';
    expect(rows.map((r) => Number(r[key]))).toEqual([...want.keys()].sort((a, b) => a - b));
    let checked = 0;
    for (const r of rows) {
      const w = want.get(Number(r[key]))!;
      [1, 7, 30].forEach((n, k) => {
        const at = `${entity} ${r[key]} ${n}d`;
        const count = r[`${entity === 'customer' ? 'cust' : 'term'}_nb_tx_${n}d`];
        expect(count, at).toBe(BigInt(w.n[k]));
        if (entity === 'customer') {
          const mean = Number(r[`cust_avg_amount_${n}d`]);
          // The cent sum the mean was divided from comes back exactly: mean × n is within far less than half a cent of it.
          expect(Math.round(mean * w.n[k] * 100), at).toBe(w.cents[k]);
          const exact = w.n[k] === 0 ? 0 : w.cents[k] / 100 / w.n[k];
          expect(Math.abs(mean - exact), at).toBeLessThanOrEqual(1e-12 * Math.abs(exact));
        } else {
          const risk = Number(r[`term_risk_${n}d`]);
          expect(risk, at).toBe(w.n[k] === 0 ? 0 : w.frauds[k] / w.n[k]);
        }
        checked += 1;
      });
    }
    expect(checked).toBeGreaterThan(entity === 'customer' ? 1000 : 50);
  });

  const legacy = async (kind: MartKind) => {
    const end = windowEnd(kind, D, 7);
    const days = windowDays(end);
    const paths = await lake.pathsForRead('transactions', days);
    const { sql, params } = buildMartSql(kind, { martDay: D, end, partitions: days.map((day, i) => ({ day, path: paths[i] })) });
    await fx.db.run(`CREATE OR REPLACE TABLE legacy AS ${sql}`, params);
  };
  const file = (entity: string) => join(root, 'features', entity, `date=${D}`, 'data.parquet');

  it.each([['customer', CUSTOMER_MART], ['terminal', TERMINAL_MART]] as const)('%s mart: same schema, rows and order; counts and risks exact, means within 1e-12', async (entity, kind) => {
    await buildMartsForDay(fx.db, lake, D, { spec: presetSpec('handbook'), delay: 7, allowPartialHistory: false, overwrite: true, log });
    await legacy(kind);
    const now = `read_parquet(${sqlString(file(entity))}, hive_partitioning = false)`;
    const schema = async (from: string) => (await fx.db.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${from}`)).map((c) => `${c.column_name} ${c.column_type}`);
    expect(await schema(now)).toEqual(await schema('legacy'));
    const a = await fx.db.all<Record<string, number | bigint>>(`SELECT * EXCLUDE (mart_date) FROM ${now}`);
    const b = await fx.db.all<Record<string, number | bigint>>(`SELECT * EXCLUDE (mart_date) FROM legacy`);
    expect(a.length).toBe(b.length);
    expect(a.length).toBeGreaterThan(10);
    for (let i = 0; i < b.length; i += 1) {
      for (const [col, want] of Object.entries(b[i])) {
        const got = a[i][col];
        if (col.includes('avg_amount')) {
          expect(Math.abs(Number(got) - Number(want)), `${col} row ${i}`).toBeLessThanOrEqual(1e-12 * Math.abs(Number(want)));
        } else expect(got, `${col} row ${i}`).toBe(want);
      }
    }
  });

  it('a rebuild gives the same bytes, with 1 or 2 threads (sums are exact: whole cents)', async () => {
    const digest = () => ['customer', 'terminal'].map((e) => createHash('sha256').update(readFileSync(file(e))).digest('hex'));
    await buildMartsForDay(fx.db, lake, D, { delay: 7, allowPartialHistory: false, overwrite: true, log });
    const first = digest();
    await buildMartsForDay(fx.db, lake, D, { delay: 7, allowPartialHistory: false, overwrite: true, log });
    expect(digest()).toEqual(first);
    const one = await openDb({ threads: 1 });
    await buildMartsForDay(one, lake, D, { delay: 7, allowPartialHistory: false, overwrite: true, log });
    one.close();
    expect(digest()).toEqual(first);
  });
});
