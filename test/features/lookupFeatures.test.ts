import { renameSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMarts, loadFeatureRows, type FeatureRows } from '../../src/features/assemble.js';
import { FraudctlError } from '../../src/errors.js';
import { featureNames, type FeatureSpec } from '../../src/features/featureSpec.js';
import { martDataset, presetSpec } from '../../src/features/loadFeatureSpec.js';
import { martIndex } from '../../src/features/martIndex.js';
import { parseFeatureSpec } from '../../src/features/parseFeatureSpec.js';
import { openDb, sqlString, type Db } from '../../src/lake/db.js';
import { LocalLake } from '../../src/lake/localLake.js';
import { quietLog } from './helpers/marts.js';
import { at, randomTxLake, tmpLakeDir, writeTxLake, type TxLake } from './helpers/txLake.js';

/** D = 2025-02-15 is assembled from the marts of 2025-02-14. */
const D = '2025-02-15';
const PREV = '2025-02-14';

/** The bytes of a column: equal bytes are equal doubles bit for bit (0 and -0 differ, NaN kept). */
const bytes = (c: Float64Array | BigInt64Array) => Buffer.from(c.buffer, c.byteOffset, c.byteLength);

/** The id lookup (byId) gives what the DuckDB join gives, bit for bit. */
function expectSameRows(byId: FeatureRows, joined: FeatureRows): void {
  expect(byId.n).toBe(joined.n);
  expect(byId.featureNames).toEqual(joined.featureNames);
  expect(bytes(byId.transactionId).equals(bytes(joined.transactionId))).toBe(true);
  expect(bytes(byId.txDatetimeMs).equals(bytes(joined.txDatetimeMs))).toBe(true);
  expect(byId.labels && [...byId.labels]).toEqual(joined.labels && [...joined.labels]);
  byId.featureNames.forEach((name, f) => expect(bytes(byId.columns[f]).equals(bytes(joined.columns[f])), name).toBe(true));
  expect(byId.noHistoryCustomers).toBe(joined.noHistoryCustomers);
  expect(byId.noHistoryTerminals).toBe(joined.noHistoryTerminals);
}

/** A spec whose expressions divide by columns that are 0 for rows without history, and use literals. */
const exprSpec: FeatureSpec = parseFeatureSpec(
  {
    name: 'lookup_expr',
    marts: {
      customer: [
        { name: 'cust_nb_tx_{n}d', kind: 'count', windows: [1, 7] },
        { name: 'cust_avg_amount_{n}d', kind: 'mean', windows: [7] },
        { name: 'cust_amount_max_{n}d', kind: 'max', windows: [7] },
      ],
      terminal: [{ name: 'term_risk_{n}d', kind: 'fraud_share', windows: [7] }],
    },
    features: [
      'tx_amount',
      { name: 'amount_over_max', expr: 'tx_amount / cust_amount_max_7d' },
      { name: 'scaled', expr: '-(cust_nb_tx_1d - 0.1) * 3.7 + cust_avg_amount_7d / (cust_nb_tx_7d - cust_nb_tx_7d)' },
      'term_risk_7d',
      { name: 'night_amount', expr: 'tx_during_night * tx_amount * 1e-3' },
    ],
  },
  'test',
);

describe('features by id lookup agree with the DuckDB join', () => {
  let db: Db;
  let tx: TxLake;
  const root = tmpLakeDir();
  const lake = new LocalLake(root);
  const log = quietLog();
  const load = (spec: FeatureSpec, byId: boolean) => loadFeatureRows(db, lake, D, spec, { fields: false, byId });
  const martPath = (spec: FeatureSpec) => lake.partitionUri(martDataset(spec, 'customer'), PREV);
  /** Rewrites the customer mart of PREV with `select` over the built one (kept as .orig). */
  async function rewriteMart(spec: FeatureSpec, select: string): Promise<void> {
    const path = martPath(spec);
    await db.run(`COPY (${select.replaceAll('MART', `read_parquet(${sqlString(`${path}.orig`)})`)}) TO ${sqlString(`${path}.x`)} (FORMAT parquet)`);
    renameSync(`${path}.x`, path);
  }

  beforeAll(async () => {
    db = await openDb({ threads: 2 });
    tx = randomTxLake({ seed: 9, start: '2025-01-01', days: 46, customers: 60, terminals: 9, txPerDay: 40, fraudRate: 0.2 });
    // A customer and a terminal never seen before D: no history.
    tx.get(D)!.push({ id: 9_000_001, ms: at(D, 3, 0, 0), customer: 999, terminal: 77, amount: 15, fraud: 0 });
    await writeTxLake(db, root, tx);
    for (const spec of [presetSpec('handbook'), presetSpec('seed'), exprSpec]) {
      await ensureMarts(db, lake, [PREV], { spec, build: true, delay: 7, allowPartialHistory: false, log });
    }
    for (const spec of [presetSpec('handbook'), exprSpec]) {
      renameSync(martPath(spec), `${martPath(spec)}.orig`);
      await rewriteMart(spec, 'SELECT * FROM MART');
    }
  });
  afterAll(() => db.close());

  it.each(['handbook', 'seed'])('preset %s: the same features, ids, times, labels and no-history counts', async (name) => {
    const spec = presetSpec(name);
    const byId = await load(spec, true);
    expectSameRows(byId, await load(spec, false));
    // The new customer: zeros and counted (the terminal mart holds no 77 either).
    const row = [...byId.transactionId].indexOf(9_000_001n);
    const names = featureNames(spec);
    names.forEach((f, k) => f.startsWith('cust_') && expect(byId.columns[k][row], f).toBe(0));
    expect(byId.noHistoryCustomers).toBeGreaterThanOrEqual(1);
    expect(byId.noHistoryTerminals).toBeGreaterThanOrEqual(1);
  });

  it('expressions: the same IEEE values as the SQL (x / 0 = 0, literals, unary minus)', async () => {
    const byId = await load(exprSpec, true);
    expectSameRows(byId, await load(exprSpec, false));
    const row = [...byId.transactionId].indexOf(9_000_001n);
    // No history: max 0, so amount / max is 0; the division by (n - n) is 0 for every row.
    expect(byId.columns[1][row]).toBe(0);
    expect(byId.columns[2][row]).toBeCloseTo(0.1 * 3.7, 12);
    expect(byId.columns[4][row]).toBeCloseTo(0.015, 12);
  });

  it('a NULL in an existing mart row reads 0 and is not "no history"; a row with a NULL id matches nothing', async () => {
    const spec = presetSpec('handbook');
    const someone = tx.get(D)![0].customer;
    const other = tx.get(D)!.find((r) => r.customer !== someone)!.customer;
    await rewriteMart(
      spec,
      `SELECT * REPLACE (CASE WHEN customer_id = ${someone} THEN NULL ELSE cust_avg_amount_7d END AS cust_avg_amount_7d,
                         CASE WHEN customer_id = ${other} THEN NULL ELSE customer_id END AS customer_id) FROM MART`,
    );
    try {
      const byId = await load(spec, true);
      const joined = await load(spec, false);
      expectSameRows(byId, joined);
      const names = featureNames(spec);
      const rows = tx.get(D)!;
      const first = rows.findIndex((r) => r.customer === someone);
      expect(byId.columns[names.indexOf('cust_avg_amount_7d')][first]).toBe(0);
      expect(byId.columns[names.indexOf('cust_nb_tx_7d')][first]).toBeGreaterThan(0);
      // The customer whose id became NULL now has no history: its rows are counted too.
      const others = rows.filter((r) => r.customer === other).length;
      expect(byId.noHistoryCustomers).toBe(rows.filter((r) => r.customer === 999).length + others);
    } finally {
      await rewriteMart(spec, 'SELECT * FROM MART');
    }
  });

  it('a mart holding an id twice is refused (exit 3), naming the id and the mart', async () => {
    const spec = presetSpec('handbook');
    const twice = tx.get(D)![0].customer;
    await rewriteMart(spec, `SELECT * FROM MART UNION ALL SELECT * FROM MART WHERE customer_id = ${twice}`);
    try {
      const err = await load(spec, true).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FraudctlError);
      expect((err as FraudctlError).exitCode).toBe(3);
      expect((err as FraudctlError).message).toContain(`customer_id ${twice} in more than one row`);
      expect((err as FraudctlError).message).toContain(`customer mart of ${PREV}`);
      expect((err as FraudctlError).hint).toContain(`marts build --date ${PREV}`);
    } finally {
      await rewriteMart(spec, 'SELECT * FROM MART');
    }
  });

  it('martIndex: a dense index over ids 0…n, none over sparse or negative ids', async () => {
    const path = `${root}/hand-mart.parquet`;
    const hand = async (ids: string) => {
      await db.run(`COPY (SELECT id AS customer_id, CAST(id * 10 AS BIGINT) AS v FROM (VALUES ${ids}) AS t(id)) TO ${sqlString(path)} (FORMAT parquet)`);
      return martIndex(db, path, 'customer_id', ['v'], 'hand mart', 'rebuild');
    };
    const dense = (await hand('(3), (0), (NULL), (7)'))!;
    const out = new Float64Array(5).fill(-1);
    // Ids 7, 2 (absent), 3, NULL's placeholder NaN, 1e15 (out of range) at rows 4, 0, 1, 2, 3.
    const missing = dense.gather(Float64Array.of(7, 2, 3, NaN, 1e15), Int32Array.of(4, 0, 1, 2, 3), [out]);
    expect([...out]).toEqual([0, 30, 0, 0, 70]);
    expect(missing).toBe(3);
    expect(await hand('(0), (5000000)')).toBeUndefined();
    expect(await hand('(0), (-1)')).toBeUndefined();
  });

  it('ids too sparse for a dense index (and negative ids) take the DuckDB join: the same rows', async () => {
    const spec = presetSpec('handbook');
    const rows = tx.get(D)!;
    // Customer ids 10^12 + id in the mart and in D's transactions; one customer negative.
    const neg = rows[1].customer;
    const shift = (col: string) => `CASE WHEN ${col} = ${neg} THEN -5 ELSE ${col} + 1000000000000 END`;
    await rewriteMart(spec, `SELECT * REPLACE (${shift('customer_id')} AS customer_id) FROM MART`);
    const txPath = lake.partitionUri('transactions', D);
    await db.run(`COPY (SELECT * REPLACE (${shift('customer_id')} AS customer_id) FROM read_parquet(${sqlString(txPath)})) TO ${sqlString(`${txPath}.x`)} (FORMAT parquet)`);
    renameSync(txPath, `${txPath}.orig`);
    renameSync(`${txPath}.x`, txPath);
    try {
      const byId = await load(spec, true);
      expectSameRows(byId, await load(spec, false));
      expect(byId.noHistoryCustomers).toBe(rows.filter((r) => r.customer === 999).length);
    } finally {
      renameSync(`${txPath}.orig`, txPath);
      await rewriteMart(spec, 'SELECT * FROM MART');
    }
  });
});
