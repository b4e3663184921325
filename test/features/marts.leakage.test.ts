import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/lake/db.js';
import { LocalLake } from '../../src/lake/localLake.js';
import { buildMartsForDay } from '../../src/features/marts.js';
import { LABEL_KINDS, type Entity } from '../../src/features/featureSpec.js';
import { PRESET_NAMES, presetSpec } from '../../src/features/loadFeatureSpec.js';
import { addDays, dayRange, type Day } from '../../src/util/dates.js';
import { quietLog } from './helpers/marts.js';
import { readSpecMart, specMartDiff } from './helpers/specOracle.js';
import { randomTxLake, tmpLakeDir, writeTxPartition, type TxLake, type TxRow } from './helpers/txLake.js';

/**
 * No leakage, for every preset: the marts of D depend on nothing after D, and no column depends
 * on a label after D-delay. Controls show each change is seen where it should be.
 */
describe.each(PRESET_NAMES)('marts of D do not see the future (preset %s)', (preset) => {
  const spec = presetSpec(preset);
  const D = '2025-02-20';
  const delay = 7;
  let db: Db;
  let tx: TxLake;
  const root = tmpLakeDir();
  const lake = new LocalLake(root);
  const log = quietLog();
  const entities = spec.marts.map((m) => m.entity);
  const marts = async () => {
    await buildMartsForDay(db, lake, D, { spec, delay, allowPartialHistory: false, overwrite: true, log });
    const out = new Map<Entity, Awaited<ReturnType<typeof readSpecMart>>>();
    for (const e of entities) out.set(e, await readSpecMart(db, root, spec, e, D));
    return out;
  };
  const rewrite = async (days: Day[], change: (r: TxRow) => TxRow) => {
    for (const day of days) await writeTxPartition(db, root, day, tx.get(day)!.map(change));
  };
  const restore = (days: Day[]) => rewrite(days, (r) => r);
  let baseline: Awaited<ReturnType<typeof marts>>;
  const labelColumns = (e: Entity) => spec.marts.find((m) => m.entity === e)!.columns.filter((c) => LABEL_KINDS.has(c.kind)).map((c) => c.name);

  beforeAll(async () => {
    db = await openDb({ threads: 2 });
    tx = randomTxLake({ seed: 11, start: '2025-01-01', days: 60, customers: 50, terminals: 8, txPerDay: 40, fraudRate: 0.2 });
    for (const [day, rows] of tx) await writeTxPartition(db, root, day, rows);
    baseline = await marts();
  });
  afterAll(() => db.close());

  const flip = (r: TxRow): TxRow => ({ ...r, fraud: r.fraud === 1 ? 0 : 1 });

  it('flipping tx_fraud on every day after D-delay leaves every mart unchanged', async () => {
    const after = dayRange(addDays(D, -delay + 1), '2025-03-01');
    await rewrite(after, flip);
    const m = await marts();
    for (const e of entities) expect(specMartDiff(m.get(e)!, baseline.get(e)!), e).toBeUndefined();
    await restore(after);
  });

  it('control: flipping tx_fraud on D-delay changes the columns that read labels, and only those', async () => {
    await rewrite([addDays(D, -delay)], flip);
    const m = await marts();
    for (const e of entities) {
      const labels = labelColumns(e);
      const diff = specMartDiff(m.get(e)!, baseline.get(e)!);
      if (labels.length === 0) expect(diff, e).toBeUndefined();
      else expect(diff, e).toMatch(new RegExp(` (${labels.join('|')}): got`));
    }
    await restore([addDays(D, -delay)]);
  });

  it('changing every field after D, and adding later days, leaves every mart unchanged', async () => {
    const after = dayRange(addDays(D, 1), '2025-03-01');
    await rewrite(after, (r) => ({ ...flip(r), amount: r.amount * 3 + 1, customer: (r.customer + 1) % 50, terminal: (r.terminal + 3) % 8 }));
    for (const day of dayRange('2025-03-02', '2025-03-05')) await writeTxPartition(db, root, day, tx.get(D)!);
    const m = await marts();
    for (const e of entities) expect(specMartDiff(m.get(e)!, baseline.get(e)!), e).toBeUndefined();
    await restore(after);
  });

  it('control: changing amounts on D itself does change the customer mart', async () => {
    await rewrite([D], (r) => ({ ...r, amount: r.amount + 1 }));
    const m = await marts();
    expect(specMartDiff(m.get('customer')!, baseline.get('customer')!)).toMatch(/got/);
    await restore([D]);
  });
});
