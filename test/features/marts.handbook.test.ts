import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMartsForDay } from '../../src/features/marts.js';
import { presetSpec } from '../../src/features/loadFeatureSpec.js';
import { openDb, sqlString, type Db } from '../../src/lake/db.js';
import { LocalLake } from '../../src/lake/localLake.js';
import { buildMartSql, CUSTOMER_MART, TERMINAL_MART, windowDays, windowEnd, type MartKind } from './helpers/legacyMartSql.js';
import { quietLog } from './helpers/marts.js';
import { randomTxLake, tmpLakeDir, writeTxLake } from './helpers/txLake.js';

/**
 * The handbook preset reproduces the marts of the builder it replaced (a frozen copy in
 * helpers/legacyMartSql.ts): same columns, types, rows and order; counts and risks identical;
 * means within the last bits that the old parallel float sums left to chance. And a rebuild now
 * gives the same bytes, whatever the thread count.
 */
describe('handbook preset = the marts before feature specs', () => {
  let db: Db;
  const root = tmpLakeDir();
  const lake = new LocalLake(root);
  const log = quietLog();
  const D = '2025-02-14';

  beforeAll(async () => {
    db = await openDb({ threads: 2 });
    // Larger pools than the oracle tests: more rows per group, so float sums have bits to lose.
    await writeTxLake(db, root, randomTxLake({ seed: 23, start: '2025-01-01', days: 45, customers: 400, terminals: 20, txPerDay: 3000, fraudRate: 0.05 }));
  });
  afterAll(() => db.close());

  const legacy = async (kind: MartKind) => {
    const end = windowEnd(kind, D, 7);
    const days = windowDays(end);
    const paths = await lake.pathsForRead('transactions', days);
    const { sql, params } = buildMartSql(kind, { martDay: D, end, partitions: days.map((day, i) => ({ day, path: paths[i] })) });
    await db.run(`CREATE OR REPLACE TABLE legacy AS ${sql}`, params);
  };
  const file = (entity: string) => join(root, 'features', entity, `date=${D}`, 'data.parquet');

  it.each([['customer', CUSTOMER_MART], ['terminal', TERMINAL_MART]] as const)('%s mart: same schema, rows and order; counts and risks exact, means within 1e-12', async (entity, kind) => {
    await buildMartsForDay(db, lake, D, { spec: presetSpec('handbook'), delay: 7, allowPartialHistory: false, overwrite: true, log });
    await legacy(kind);
    const now = `read_parquet(${sqlString(file(entity))}, hive_partitioning = false)`;
    const schema = async (from: string) => (await db.all<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${from}`)).map((c) => `${c.column_name} ${c.column_type}`);
    expect(await schema(now)).toEqual(await schema('legacy'));
    const a = await db.all<Record<string, number | bigint>>(`SELECT * EXCLUDE (mart_date) FROM ${now}`);
    const b = await db.all<Record<string, number | bigint>>(`SELECT * EXCLUDE (mart_date) FROM legacy`);
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
    await buildMartsForDay(db, lake, D, { delay: 7, allowPartialHistory: false, overwrite: true, log });
    const first = digest();
    await buildMartsForDay(db, lake, D, { delay: 7, allowPartialHistory: false, overwrite: true, log });
    expect(digest()).toEqual(first);
    const one = await openDb({ threads: 1 });
    await buildMartsForDay(one, lake, D, { delay: 7, allowPartialHistory: false, overwrite: true, log });
    one.close();
    expect(digest()).toEqual(first);
  });
});
