import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMartsForDay, type BuildMartsResult } from '../../src/features/marts.js';
import type { FeatureSpec } from '../../src/features/featureSpec.js';
import { martDataset, presetSpec } from '../../src/features/loadFeatureSpec.js';
import { stateDataset } from '../../src/features/windowState.js';
import { parseFeatureSpec } from '../../src/features/parseFeatureSpec.js';
import { addDays, type Day } from '../../src/util/dates.js';
import { quietLog } from './helpers/marts.js';
import { writeTxPartition, withRandomLake } from './helpers/txLake.js';

/**
 * The incremental route (window state carried from the day before) against the full builder:
 * the same bytes of every mart, day after day; a rewritten history day, a missing state or a
 * spec with kinds that cannot be subtracted fall back to the full computation.
 */
describe('incremental marts = full marts', () => {
  const fx = withRandomLake({ seed: 31, start: '2025-01-01', days: 60, customers: 300, terminals: 15, txPerDay: 900, fraudRate: 0.05 });
  const log = quietLog();
  // Every subtractable kind, on both sides of the delay, so every finishing expression is compared.
  const mixed = parseFeatureSpec(
    {
      name: 'mixed',
      marts: {
        customer: [
          { name: 'c_n_{n}d', kind: 'count', windows: [1, 3] },
          { name: 'c_sum_{n}d', kind: 'sum', windows: [3, 10] },
          { name: 'c_fraud_{n}d', kind: 'fraud_count', windows: [5] },
          { name: 'c_share_{n}d', kind: 'fraud_share', windows: [2] },
        ],
        terminal: [
          { name: 't_mean_{n}d', kind: 'mean', windows: [4], lagged: true },
          { name: 't_risk_{n}d', kind: 'fraud_share', windows: [1, 6] },
        ],
      },
      features: ['tx_amount', 'c_n_1d', 't_risk_6d'],
    },
    'test',
  );
  const digest = (spec: FeatureSpec, day: Day) =>
    spec.marts.map((m) => createHash('sha256').update(readFileSync(join(fx.root, martDataset(spec, m.entity), `date=${day}`, 'data.parquet'))).digest('hex'));
  const build = (spec: FeatureSpec, day: Day, incremental: boolean): Promise<BuildMartsResult> =>
    buildMartsForDay(fx.db, fx.lake, day, { spec, delay: 7, allowPartialHistory: false, overwrite: true, log, incremental });

  it.each([['handbook', presetSpec('handbook')], ['mixed', mixed]] as const)('%s: day after day, the incremental marts are the full marts byte for byte', async (_name, spec) => {
    const first = '2025-02-10';
    const routes: string[] = [];
    for (let k = 0; k < 4; k += 1) {
      const day = addDays(first, k);
      await build(spec, day, false);
      const full = digest(spec, day);
      const r = await build(spec, day, true);
      expect(digest(spec, day), day).toEqual(full);
      routes.push(spec.marts.map((m) => r.routes?.[m.entity]).join('/'));
      expect(r.customers).toBeGreaterThan(0);
    }
    // The first day has no state of the day before: full; then carried forward.
    expect(routes).toEqual(['full/full', 'incremental/incremental', 'incremental/incremental', 'incremental/incremental']);
  });

  it('a transactions day rewritten inside the window: full computation, then incremental again', async () => {
    const spec = presetSpec('handbook');
    const day = '2025-02-20';
    await build(spec, addDays(day, -1), true);
    // Day D-9 sits in both marts' windows (customer: D-29 … D, terminal: D-36 … D-7).
    const changed = addDays(day, -9);
    const rows = fx.tx.get(changed)!;
    const edited = [...rows.slice(0, -5), { ...rows[0], id: 99_000_001, amount: 12.34, fraud: 1 as const }];
    await writeTxPartition(fx.db, fx.root, changed, edited);
    fx.tx.set(changed, edited);
    const r = await build(spec, day, true);
    expect(r.routes).toEqual({ customer: 'full', terminal: 'full' });
    const inc = digest(spec, day);
    await build(spec, day, false);
    expect(digest(spec, day)).toEqual(inc);
    const next = await build(spec, addDays(day, 1), true);
    expect(next.routes).toEqual({ customer: 'incremental', terminal: 'incremental' });
    const incNext = digest(spec, addDays(day, 1));
    await build(spec, addDays(day, 1), false);
    expect(digest(spec, addDays(day, 1))).toEqual(incNext);
  });

  it('an unreadable or truncated state of the day before: full computation, same bytes', async () => {
    const spec = presetSpec('handbook');
    const day = '2025-02-28';
    await build(spec, addDays(day, -1), true);
    const state = (m: number) => join(fx.root, stateDataset(spec, spec.marts[m]), `date=${addDays(day, -1)}`, 'data.parquet');
    writeFileSync(state(0), 'not parquet');
    // A footer that reads but a body that does not: cut out the middle of the file.
    const bytes = readFileSync(state(1));
    writeFileSync(state(1), Buffer.concat([bytes.subarray(0, 4), bytes.subarray(bytes.length - Math.floor(bytes.length / 2))]));
    const r = await build(spec, day, true);
    expect(r.routes).toEqual({ customer: 'full', terminal: 'full' });
    const inc = digest(spec, day);
    await build(spec, day, false);
    expect(digest(spec, day)).toEqual(inc);
  });

  it('kinds that cannot be subtracted (seed: active days, quantiles, extremes, distinct counts) take the full route, same bytes', async () => {
    const spec = presetSpec('seed');
    const day = '2025-02-25';
    await build(spec, addDays(day, -1), true);
    const r = await build(spec, day, true);
    expect(r.routes).toEqual({ customer: 'full', terminal: 'full' });
    const inc = digest(spec, day);
    await build(spec, day, false);
    expect(digest(spec, day)).toEqual(inc);
  });
});
