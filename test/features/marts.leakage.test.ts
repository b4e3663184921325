import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/lake/db.js';
import { LocalLake } from '../../src/lake/localLake.js';
import { buildMartsForDay } from '../../src/features/marts.js';
import { addDays, dayRange, type Day } from '../../src/util/dates.js';
import { martDiff, quietLog, readMart } from './helpers/marts.js';
import { randomTxLake, tmpLakeDir, writeTxPartition, type TxLake, type TxRow } from './helpers/txLake.js';

/** No leakage: the marts of D depend on nothing after D, and the terminal mart on no label after D-delay. */
describe('marts of D do not see the future', () => {
  const D = '2025-02-20';
  const delay = 7;
  let db: Db;
  let tx: TxLake;
  const root = tmpLakeDir();
  const lake = new LocalLake(root);
  const log = quietLog();
  const marts = async () => {
    await buildMartsForDay(db, lake, D, { delay, allowPartialHistory: false, overwrite: true, log });
    return { customer: await readMart(db, root, 'customer', D), terminal: await readMart(db, root, 'terminal', D) };
  };
  const rewrite = async (days: Day[], change: (r: TxRow) => TxRow) => {
    for (const day of days) await writeTxPartition(db, root, day, tx.get(day)!.map(change));
  };
  const restore = (days: Day[]) => rewrite(days, (r) => r);
  let baseline: Awaited<ReturnType<typeof marts>>;

  beforeAll(async () => {
    db = await openDb({ threads: 2 });
    tx = randomTxLake({ seed: 11, start: '2025-01-01', days: 60, customers: 50, terminals: 8, txPerDay: 40, fraudRate: 0.2 });
    for (const [day, rows] of tx) await writeTxPartition(db, root, day, rows);
    baseline = await marts();
  });
  afterAll(() => db.close());

  const flip = (r: TxRow): TxRow => ({ ...r, fraud: r.fraud === 1 ? 0 : 1 });

  it('flipping tx_fraud on every day after D-delay leaves both marts unchanged', async () => {
    const after = dayRange(addDays(D, -delay + 1), '2025-03-01');
    await rewrite(after, flip);
    const m = await marts();
    expect(martDiff(m.terminal, baseline.terminal)).toBeUndefined();
    expect(martDiff(m.customer, baseline.customer)).toBeUndefined();
    await restore(after);
  });

  it('control: flipping tx_fraud on D-delay itself does change the terminal mart (and only it)', async () => {
    await rewrite([addDays(D, -delay)], flip);
    const m = await marts();
    expect(martDiff(m.terminal, baseline.terminal)).toMatch(/column 1: got/);
    expect(martDiff(m.customer, baseline.customer)).toBeUndefined();
    await restore([addDays(D, -delay)]);
  });

  it('changing every field after D, and adding later days, leaves both marts unchanged', async () => {
    const after = dayRange(addDays(D, 1), '2025-03-01');
    await rewrite(after, (r) => ({ ...flip(r), amount: r.amount * 3 + 1, customer: (r.customer + 1) % 50, terminal: (r.terminal + 3) % 8 }));
    for (const day of dayRange('2025-03-02', '2025-03-05')) await writeTxPartition(db, root, day, tx.get(D)!);
    const m = await marts();
    expect(martDiff(m.terminal, baseline.terminal)).toBeUndefined();
    expect(martDiff(m.customer, baseline.customer)).toBeUndefined();
    await restore(after);
  });

  it('control: changing amounts on D itself does change the customer mart', async () => {
    await rewrite([D], (r) => ({ ...r, amount: r.amount + 1 }));
    const m = await marts();
    expect(martDiff(m.customer, baseline.customer)).toMatch(/column 1: got/);
    await restore([D]);
  });
});
