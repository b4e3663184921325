import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureMarts, loadFeatureRows, readFeatureDay } from '../../src/features/assemble.js';
import { openFeatureDay } from '../../src/features/openFeatureDay.js';
import { featureNames } from '../../src/features/featureSpec.js';
import { presetSpec } from '../../src/features/loadFeatureSpec.js';

const spec = presetSpec('handbook');
const FEATURE_NAMES = featureNames(spec);
import { openDb, sqlString, type Db } from '../../src/lake/db.js';
import { LocalLake } from '../../src/lake/localLake.js';
import { FraudctlError } from '../../src/errors.js';
import { quietLog } from './helpers/marts.js';
import { oracleFeatures } from './helpers/oracle.js';
import { at, randomTxLake, tmpLakeDir, writeTxLake, writeTxPartition, type TxLake, type TxRow } from './helpers/txLake.js';

/** 2025-01-01 … 2025-02-15 (a Saturday); D = 2025-02-15 is assembled from the marts of 2025-02-14. */
const D = '2025-02-15';
const PREV = '2025-02-14';

describe('feature assembly agrees with the oracle, row by row', () => {
  let db: Db;
  let tx: TxLake;
  const root = tmpLakeDir();
  const lake = new LocalLake(root);
  const log = quietLog();
  // Hand rows on D: the edges of night (hours 0-6) and a customer and terminal never seen before.
  const hand: TxRow[] = [
    { id: 9_000_001, ms: at(D, 0, 0, 0), customer: 1, terminal: 1, amount: 12.5, fraud: 0 },
    { id: 9_000_002, ms: at(D, 6, 59, 59), customer: 2, terminal: 2, amount: 13, fraud: 1 },
    { id: 9_000_003, ms: at(D, 7, 0, 0), customer: 3, terminal: 3, amount: 14, fraud: 0 },
    { id: 9_000_004, ms: at(D, 23, 59, 59), customer: 999, terminal: 77, amount: 15, fraud: 0 },
  ];

  beforeAll(async () => {
    db = await openDb({ threads: 2 });
    tx = randomTxLake({ seed: 5, start: '2025-01-01', days: 46, customers: 40, terminals: 7, txPerDay: 30, fraudRate: 0.2 });
    tx.get(D)!.push(...hand);
    await writeTxLake(db, root, tx);
  });
  afterAll(() => db.close());

  it('a missing mart is an error naming the partitions, not zeros', async () => {
    const err = await loadFeatureRows(db, lake, D, spec).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FraudctlError);
    expect((err as FraudctlError).exitCode).toBe(3);
    expect((err as FraudctlError).message).toContain(`features/customer/date=${PREV}`);
    expect((err as FraudctlError).message).toContain(`features/terminal/date=${PREV}`);
    const strict = await ensureMarts(db, lake, [PREV, '2025-02-13'], { spec, build: false, delay: 7, allowPartialHistory: false, log }).catch((e: unknown) => e);
    expect((strict as FraudctlError).exitCode).toBe(3);
    expect((strict as FraudctlError).message).toMatch(/2025-02-13…2025-02-14: .*date=2025-02-13.*date=2025-02-14/);
  });

  it('ensureMarts builds what is missing, once', async () => {
    expect(await ensureMarts(db, lake, [PREV], { spec, build: true, delay: 7, allowPartialHistory: false, log })).toEqual({ built: [PREV] });
    expect(await ensureMarts(db, lake, [PREV], { spec, build: true, delay: 7, allowPartialHistory: false, log })).toEqual({ built: [] });
  });

  it("ensureMarts removes a killed build's temporaries beside marts it finds built (score's rerun builds nothing)", async () => {
    // The temporaries a build killed after publishing the marts leaves: a state's beside the mart, the state's in _state.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const planted = [`features/terminal/date=${PREV}/.terminal-state.parquet.${dead}.6e3b858c.tmp`, `features/customer/_state/date=${PREV}/.data.parquet.${dead}.10861cd9.tmp`];
    for (const rel of planted) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), 'half');
    }
    expect(await ensureMarts(db, lake, [PREV], { spec, build: true, delay: 7, allowPartialHistory: false, log })).toEqual({ built: [] });
    expect(planted.filter((rel) => existsSync(join(root, rel)))).toEqual([]);
  });

  it('every transaction of D: the 15 features, ids, times, labels, in file order', async () => {
    const rows = await loadFeatureRows(db, lake, D, spec);
    const oracle = oracleFeatures(tx, D, 7);
    const raw = tx.get(D)!;
    expect(rows.n).toBe(raw.length);
    expect(rows.columns.length).toBe(FEATURE_NAMES.length);
    expect([...rows.transactionId].map(Number)).toEqual(raw.map((r) => r.id));
    expect([...rows.txDatetimeMs]).toEqual(raw.map((r) => r.ms));
    expect([...rows.customerId].map(Number)).toEqual(raw.map((r) => r.customer));
    expect([...rows.terminalId].map(Number)).toEqual(raw.map((r) => r.terminal));
    expect([...rows.txAmount]).toEqual(raw.map((r) => r.amount));
    expect([...rows.labels!]).toEqual(raw.map((r) => r.fraud));
    for (let i = 0; i < rows.n; i += 1) {
      const want = oracle.byId.get(raw[i].id)!;
      for (let f = 0; f < FEATURE_NAMES.length; f += 1) {
        const got = rows.columns[f][i];
        if (FEATURE_NAMES[f].includes('_nb_tx_') || f < 3) expect(got, `${FEATURE_NAMES[f]} of ${raw[i].id}`).toBe(want[f]);
        else expect(Math.abs(got - want[f]), `${FEATURE_NAMES[f]} of ${raw[i].id}`).toBeLessThanOrEqual(1e-9);
      }
    }
    expect(rows.noHistoryCustomers).toBe(oracle.noHistoryCustomers);
    expect(rows.noHistoryTerminals).toBe(oracle.noHistoryTerminals);
  });

  it('into given columns (views into a stacked table): the same values in its slice, nothing outside it', async () => {
    const plain = await loadFeatureRows(db, lake, D, spec);
    const n = plain.n;
    const stacked = FEATURE_NAMES.map(() => new Float64Array(n + 5).fill(-7));
    const views = stacked.map((c) => c.subarray(3, 3 + n));
    const rows = await loadFeatureRows(db, lake, D, spec, { columns: views });
    expect(rows.columns).toBe(views);
    for (let f = 0; f < FEATURE_NAMES.length; f += 1) {
      expect([...stacked[f].subarray(3, 3 + n)], FEATURE_NAMES[f]).toEqual([...plain.columns[f]]);
      expect([...stacked[f].subarray(0, 3), ...stacked[f].subarray(3 + n)]).toEqual([-7, -7, -7, -7, -7]);
    }
    const short = FEATURE_NAMES.map(() => new Float64Array(n - 1));
    await expect(loadFeatureRows(db, lake, D, spec, { columns: short })).rejects.toThrow(/feature columns of 2025-02-15/);
  });

  it('fields picks the row fields copied (the others empty); the features, labels and counts are those of the full read', async () => {
    const full = await loadFeatureRows(db, lake, D, spec);
    const some = await loadFeatureRows(db, lake, D, spec, { fields: ['transactionId', 'customerId'] });
    expect([...some.transactionId]).toEqual([...full.transactionId]);
    expect([...some.customerId]).toEqual([...full.customerId]);
    expect([some.txDatetimeMs.length, some.terminalId.length, some.txAmount.length]).toEqual([0, 0, 0]);
    // false: score's fields, ids and times.
    const score = await loadFeatureRows(db, lake, D, spec, { fields: false });
    expect([...score.txDatetimeMs]).toEqual([...full.txDatetimeMs]);
    expect([score.customerId.length, score.terminalId.length, score.txAmount.length]).toEqual([0, 0, 0]);
    for (const r of [some, score]) {
      expect(r.columns.map((c) => [...c])).toEqual(full.columns.map((c) => [...c]));
      expect([...r.labels!]).toEqual([...full.labels!]);
      expect([r.noHistoryCustomers, r.noHistoryTerminals]).toEqual([full.noHistoryCustomers, full.noHistoryTerminals]);
    }
  });

  it('openFeatureDay counts the rows and finds the partitions before any feature query; readFeatureDay reads them', async () => {
    const day = await openFeatureDay(db, lake, D, spec);
    expect([day.n, day.withLabels]).toEqual([tx.get(D)!.length, true]);
    expect(day.martPaths.customer).toContain(`features/customer/date=${PREV}`);
    const read = await readFeatureDay(db, spec, day);
    const full = await loadFeatureRows(db, lake, D, spec);
    expect([...read.transactionId]).toEqual([...full.transactionId]);
    expect(read.columns.map((c) => [...c])).toEqual(full.columns.map((c) => [...c]));
    const err = await openFeatureDay(db, lake, '2025-02-16', spec).catch((e: unknown) => e);
    expect((err as FraudctlError).exitCode).toBe(3);
    expect((err as FraudctlError).message).toContain('transactions/date=2025-02-16');
  });

  it('weekend and night by hand; a new customer and terminal get zeros and are counted', async () => {
    const rows = await loadFeatureRows(db, lake, D, spec);
    const at = (id: number) => [...rows.transactionId].indexOf(BigInt(id));
    const col = (name: string, id: number) => rows.columns[FEATURE_NAMES.indexOf(name)][at(id)];
    // D is a Saturday: every row is a weekend row.
    expect([9_000_001, 9_000_002, 9_000_003, 9_000_004].map((id) => col('tx_during_weekend', id))).toEqual([1, 1, 1, 1]);
    expect([9_000_001, 9_000_002, 9_000_003, 9_000_004].map((id) => col('tx_during_night', id))).toEqual([1, 1, 0, 0]);
    expect(FEATURE_NAMES.slice(3).map((name) => col(name, 9_000_004))).toEqual(new Array(12).fill(0));
    expect(rows.noHistoryCustomers).toBeGreaterThanOrEqual(1);
    expect(rows.noHistoryTerminals).toBeGreaterThanOrEqual(1);
    // Friday is not a weekend day.
    await ensureMarts(db, lake, ['2025-02-13'], { spec, build: true, delay: 7, allowPartialHistory: false, log });
    const friday = await loadFeatureRows(db, lake, PREV, spec);
    expect(friday.columns[1].every((x) => x === 0)).toBe(true);
  });

  it('a partition without tx_fraud gives no labels', async () => {
    const unlabeled = tmpLakeDir();
    const other = new LocalLake(unlabeled);
    await writeTxPartition(db, unlabeled, D, hand);
    const path = other.partitionUri('transactions', D);
    await db.run(`COPY (SELECT * EXCLUDE (tx_fraud) FROM read_parquet(${sqlString(path)})) TO ${sqlString(`${path}.x`)} (FORMAT parquet)`);
    renameSync(`${path}.x`, path);
    await writeTxPartition(db, unlabeled, PREV, []);
    await ensureMarts(db, other, [PREV], { spec, build: true, delay: 7, allowPartialHistory: true, log });
    const rows = await loadFeatureRows(db, other, D, spec);
    expect(rows.n).toBe(4);
    expect(rows.labels).toBeUndefined();
    expect(rows.noHistoryCustomers).toBe(4);
  });
});
