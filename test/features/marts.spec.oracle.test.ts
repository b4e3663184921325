import { describe, expect, it } from 'vitest';
import { loadFeatureRows } from '../../src/features/assemble.js';
import { buildMartsForDay } from '../../src/features/marts.js';
import { featureNames } from '../../src/features/featureSpec.js';
import { PRESET_NAMES, presetSpec } from '../../src/features/loadFeatureSpec.js';
import { quietLog } from './helpers/marts.js';
import { oracleSpecFeatures, oracleSpecMart, readSpecMart, specMartDiff } from './helpers/specOracle.js';
import { withRandomLake } from './helpers/txLake.js';

/**
 * For every preset, on one random lake (their marts side by side): every mart column of every
 * aggregate kind, and every feature (expressions included), against the plain-TS oracle.
 */
describe('spec marts and features agree with the oracle, for every preset', () => {
  // 2025-02-10 is an empty partition; small id pools so windows overlap and quantiles see ties.
  const fx = withRandomLake({ seed: 17, start: '2025-01-01', days: 50, customers: 60, terminals: 9, txPerDay: 40, fraudRate: 0.15, emptyDays: ['2025-02-10'] });
  const { root, lake } = fx;
  const log = quietLog();

  it.each(PRESET_NAMES)('%s: marts of fully covered days, delays 7, 0 and 3', async (preset) => {
    const spec = presetSpec(preset);
    for (const [day, delay] of [['2025-02-08', 7], ['2025-02-11', 7], ['2025-02-19', 7], ['2025-02-15', 0], ['2025-02-15', 3]] as const) {
      await buildMartsForDay(fx.db, lake, day, { spec, delay, allowPartialHistory: false, overwrite: true, log });
      for (const m of spec.marts) {
        const want = oracleSpecMart(fx.tx, spec, m.entity, day, delay);
        expect(specMartDiff(await readSpecMart(fx.db, root, spec, m.entity, day), want), `${preset} ${m.entity} ${day} delay ${delay}`).toBeUndefined();
      }
    }
  });

  it.each(PRESET_NAMES)('%s: partial history at the start of the lake', async (preset) => {
    const spec = presetSpec(preset);
    for (const day of ['2025-01-01', '2025-01-04']) {
      const r = await buildMartsForDay(fx.db, lake, day, { spec, delay: 7, allowPartialHistory: true, overwrite: true, log });
      expect(r.missingHistory.length).toBeGreaterThan(0);
      for (const m of spec.marts) expect(specMartDiff(await readSpecMart(fx.db, root, spec, m.entity, day), oracleSpecMart(fx.tx, spec, m.entity, day, 7))).toBeUndefined();
    }
  });

  it.each(PRESET_NAMES)('%s: every feature of every transaction of a day', async (preset) => {
    const spec = presetSpec(preset);
    const day = '2025-02-12';
    await buildMartsForDay(fx.db, lake, '2025-02-11', { spec, delay: 7, allowPartialHistory: false, overwrite: true, log });
    const rows = await loadFeatureRows(fx.db, lake, day, spec);
    const want = oracleSpecFeatures(fx.tx, spec, day, 7);
    const names = featureNames(spec);
    expect(rows.featureNames).toEqual(names);
    expect(rows.n).toBe(fx.tx.get(day)!.length);
    for (let i = 0; i < rows.n; i += 1) {
      const w = want.get(Number(rows.transactionId[i]))!;
      for (let f = 0; f < names.length; f += 1) expect(Math.abs(rows.columns[f][i] - w[f]), `${names[f]} of ${rows.transactionId[i]}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(w[f])));
    }
  });
});
