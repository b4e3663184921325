import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMartsForDay, type BuildMartsOptions, type BuildMartsResult } from '../../src/features/marts.js';
import type { FeatureSpec } from '../../src/features/featureSpec.js';
import { martDataset, presetSpec } from '../../src/features/loadFeatureSpec.js';
import { duckdbMartEngine } from '../../src/features/martEngine.js';
import { stateDataset } from '../../src/features/windowState.js';
import { deltaDays, incrementalStateSql } from '../../src/features/windowStateSql.js';
import { parseFeatureSpec } from '../../src/features/parseFeatureSpec.js';
import type { Lake } from '../../src/lake/lake.js';
import { addDays, type Day } from '../../src/util/dates.js';
import { quietLog } from './helpers/marts.js';
import { writeTxPartition, withRandomLake } from './helpers/txLake.js';

/**
 * The incremental builder (window state carried from the day before, the default) against the full
 * builder (`full: true`): the same bytes of every mart, day after day, for every preset and a
 * custom spec with every decomposable kind on both sides of the label delay; and each case where
 * the state must not be trusted (missing, corrupt, another spec or delay, partial history, a
 * rewritten or late partition, an interrupted build) falls back to the full computation, says so,
 * and still gives the full builder's bytes.
 */
describe('incremental marts = full marts', () => {
  // 2025-02-14 has no transactions at all (a 0-row partition): active days and empty windows around it.
  const fx = withRandomLake({ seed: 31, start: '2025-01-01', days: 115, customers: 300, terminals: 15, txPerDay: 900, fraudRate: 0.05, emptyDays: ['2025-02-14'] });
  const log = quietLog();
  const mixedInput = (tWindows: number[]) => ({
    name: 'mixed',
    marts: {
      customer: [
        { name: 'c_n_{n}d', kind: 'count', windows: [1, 3] },
        { name: 'c_sum_{n}d', kind: 'sum', windows: [3, 10] },
        { name: 'c_mean_{n}d', kind: 'mean', windows: [2] },
        { name: 'c_active_{n}d', kind: 'active_days', windows: [1, 4, 10] },
        { name: 'c_fraud_{n}d', kind: 'fraud_count', windows: [5] },
        { name: 'c_share_{n}d', kind: 'fraud_share', windows: [2] },
        { name: 'c_fdays_{n}d', kind: 'fraud_days', windows: [6] },
      ],
      terminal: [
        { name: 't_mean_{n}d', kind: 'mean', windows: [4], lagged: true },
        { name: 't_active_lag_{n}d', kind: 'active_days', windows: [3], lagged: true },
        { name: 't_n_{n}d', kind: 'count', windows: [2] },
        { name: 't_risk_{n}d', kind: 'fraud_share', windows: tWindows },
        { name: 't_fdays_{n}d', kind: 'fraud_days', windows: [5] },
      ],
    },
    features: ['tx_amount', 'c_n_1d', 't_risk_1d'],
  });
  const mixed = parseFeatureSpec(mixedInput([1, 6]), 'test');
  const sha = (spec: FeatureSpec, entity: string, day: Day) => createHash('sha256').update(readFileSync(join(fx.root, martDataset(spec, entity as 'customer'), `date=${day}`, 'data.parquet'))).digest('hex');
  const digest = (spec: FeatureSpec, day: Day) => spec.marts.map((m) => sha(spec, m.entity, day));
  const build = (spec: FeatureSpec, day: Day, o: Partial<BuildMartsOptions> = {}, lake: Lake = fx.lake): Promise<BuildMartsResult> =>
    buildMartsForDay(fx.db, lake, day, { spec, delay: 7, allowPartialHistory: false, overwrite: true, log, ...o });
  const statePath = (spec: FeatureSpec, entity: 0 | 1, day: Day) => join(fx.root, stateDataset(spec, spec.marts[entity]), `date=${day}`, 'data.parquet');
  const martFolder = (spec: FeatureSpec, entity: 0 | 1, day: Day) => join(fx.root, martDataset(spec, spec.marts[entity].entity), `date=${day}`);
  /** The default build of `day`, compared byte for byte with the full builder's marts of that day; returns its builders. */
  const compare = async (spec: FeatureSpec, day: Day, o: Partial<BuildMartsOptions> = {}) => {
    await build(spec, day, { ...o, full: true });
    const full = digest(spec, day);
    const r = await build(spec, day, o);
    expect(digest(spec, day), `${spec.name} ${day}`).toEqual(full);
    expect(r.customers).toBeGreaterThan(0);
    return r;
  };
  const builders = (r: BuildMartsResult) => [r.marts.customer?.builder, r.marts.terminal?.builder].join('/');

  it.each([
    ['handbook', presetSpec('handbook'), 'incremental/incremental'],
    ['mixed', mixed, 'incremental/incremental'],
    ['seed', presetSpec('seed'), 'full/full'],
    ['union', presetSpec('union'), 'full/full'],
  ] as const)('%s: six days in a row (one of them empty), each the full builder\'s bytes', async (_name, spec, steady) => {
    const first = '2025-02-10';
    const seen: string[] = [];
    for (let k = 0; k < 6; k += 1) {
      const r = await compare(spec, addDays(first, k));
      seen.push(builders(r));
      if (steady === 'full/full') expect(r.reason).toMatch(/cannot be carried forward/);
    }
    // The first day has no state of the day before; then each day is carried forward.
    expect(seen).toEqual(steady === 'full/full' ? Array(6).fill(steady) : ['full/full', ...Array(5).fill(steady)]);
    if (steady !== 'full/full') expect(existsSync(statePath(spec, 0, addDays(first, 5)))).toBe(true);
    // The state file computed beside the mart has moved into _state: the mart's folder holds its file alone.
    for (const e of [0, 1] as const) expect(readdirSync(martFolder(spec, e, addDays(first, 5)))).toEqual(['data.parquet']);
  });

  it('a day both entering a window and leaving another (D-7: into the lagged windows, out of a 7-day one) is joined in full; days only leaving are LEFT JOINed', async () => {
    const spec = parseFeatureSpec(
      {
        name: 'crossing',
        marts: {
          customer: [{ name: 'c_n_{n}d', kind: 'count', windows: [1, 7] }],
          terminal: [
            { name: 't_n_{n}d', kind: 'count', windows: [7] },
            { name: 't_risk_{n}d', kind: 'fraud_share', windows: [1, 7], lagged: true },
          ],
        },
        features: ['tx_amount', 'c_n_1d', 't_risk_1d'],
      },
      'test',
    );
    const joins = (e: 0 | 1, day: Day) => {
      const days = deltaDays(spec.marts[e], day, 7);
      const sql = incrementalStateSql(spec.marts[e], day, 7, '/prev', new Map(days.map((d) => [d, `SELECT '${d}'`]))).sql;
      return Object.fromEntries(days.map((d) => [d, /(LEFT|FULL) JOIN \(SELECT '([-0-9]+)'\)/g.exec(sql.slice(sql.indexOf(`SELECT '${d}'`) - 12))?.[1]]));
    };
    const day = '2025-03-20';
    expect(joins(0, day)).toEqual({ '2025-03-13': 'LEFT', '2025-03-20': 'FULL' });
    // Terminal: D-14 leaves the lagged 7-day window, D-8 the lagged 1-day one (not carried: not read), D-7 leaves the 7-day window and enters the lagged ones.
    expect(joins(1, day)).toEqual({ '2025-03-06': 'LEFT', '2025-03-13': 'FULL', '2025-03-20': 'FULL' });
    const seen: string[] = [];
    for (let k = 0; k < 4; k += 1) seen.push(builders(await compare(spec, addDays(day, k))));
    expect(seen).toEqual(['full/full', 'incremental/incremental', 'incremental/incremental', 'incremental/incremental']);
  });

  it('out of order: a day after a gap is full, an older day between built states is incremental, both the full bytes', async () => {
    const spec = mixed;
    await compare(spec, '2025-03-01');
    const after = await compare(spec, '2025-03-05');
    expect(after.builder).toBe('full');
    expect(after.marts.customer?.reason).toBe('no readable window state of 2025-03-04');
    // Back to 03-02 (state of 03-01 exists): carried forward; a day partial whose state is missing comes from the transactions.
    const back = await compare(spec, '2025-03-02');
    expect(back.builder).toBe('incremental');
    expect(back.marts.terminal?.reason).toMatch(/^window state of 2025-03-01 carried forward; day partials of .* from their transactions/);
    // Rebuilding an old day again, and the day after the gap again, now from a state.
    expect((await compare(spec, '2025-03-02')).builder).toBe('incremental');
    await compare(spec, '2025-03-04');
    expect((await compare(spec, '2025-03-05')).builder).toBe('incremental');
  });

  it('a transactions day rewritten inside the windows: full, then incremental again; rewritten behind a stored day partial: that partial from the transactions', async () => {
    const spec = mixed;
    const day = '2025-03-12';
    await build(spec, addDays(day, -1));
    const rewrite = async (d: Day) => {
      const rows = fx.tx.get(d)!;
      const edited = [...rows.slice(0, -5), { ...rows[0], id: 99_000_001 + rows.length, amount: 12.34, fraud: 1 as const }];
      await writeTxPartition(fx.db, fx.root, d, edited);
      fx.tx.set(d, edited);
    };
    await rewrite(addDays(day, -3));
    const r = await compare(spec, day);
    expect(r.marts.customer).toEqual({ builder: 'full', reason: `transactions rewritten since the window state of ${addDays(day, -1)}: ${addDays(day, -3)}` });
    expect((await compare(spec, addDays(day, 1))).builder).toBe('incremental');
    // The terminal mart of D+2 gains day D+2-7 through its lagged windows: a day no window of D+1 covers, whose partial
    // is read from its own state — unless that day was rewritten since, as here.
    const next = addDays(day, 2);
    await build(spec, addDays(next, -7));
    await rewrite(addDays(next, -7));
    const t = await compare(spec, next);
    expect(t.marts.terminal?.builder).toBe('incremental');
    expect(t.marts.terminal?.reason).toMatch(new RegExp(`day partials of [^;]*${addDays(next, -7)}[^;]* from their transactions`));
  });

  it('a late partition: the day built on partial history is not carried forward; after the day arrives, full, then incremental', async () => {
    const spec = presetSpec('handbook');
    const late = '2025-03-20';
    const day = '2025-03-25';
    const rows = fx.tx.get(late)!;
    const path = join(fx.root, 'transactions', `date=${late}`);
    rmSync(path, { recursive: true });
    const partial = await compare(spec, day, { allowPartialHistory: true });
    expect(partial.missingHistory).toEqual([late]);
    await writeTxPartition(fx.db, fx.root, late, rows);
    const after = await compare(spec, addDays(day, 1));
    expect(after.marts.customer).toEqual({ builder: 'full', reason: `the window state of ${day} was built on partial history` });
    expect((await compare(spec, addDays(day, 2))).builder).toBe('incremental');
  });

  it('a state of another spec hash, delay or format, a missing or corrupt state: full, the same bytes', async () => {
    const day = '2025-04-01';
    await build(mixed, addDays(day, -1));
    // Same spec name, another definition (a 7-day risk instead of 6): another hash, the state is not reused.
    const changed = parseFeatureSpec(mixedInput([1, 7]), 'test');
    const other = await compare(changed, day);
    expect(other.marts.customer?.reason).toBe(`the window state of ${addDays(day, -1)} was built with spec hash ${mixed.hash}, not ${changed.hash}`);
    await build(mixed, day);
    const delay = await compare(mixed, addDays(day, 1), { delay: 5 });
    expect(delay.marts.terminal?.reason).toBe(`the window state of ${day} was built with delay 7, not 5`);
    await build(mixed, addDays(day, 1));
    rmSync(join(statePath(mixed, 0, addDays(day, 1)), '..'), { recursive: true });
    writeFileSync(statePath(mixed, 1, addDays(day, 1)), 'not parquet');
    const gone = await compare(mixed, addDays(day, 2));
    expect(gone.marts).toEqual({
      customer: { builder: 'full', reason: `no readable window state of ${addDays(day, 1)}` },
      terminal: { builder: 'full', reason: `no readable window state of ${addDays(day, 1)}` },
    });
    // A footer that reads but a body that does not: carrying forward fails, the full computation runs.
    const bytes = readFileSync(statePath(mixed, 0, addDays(day, 2)));
    writeFileSync(statePath(mixed, 0, addDays(day, 2)), Buffer.concat([bytes.subarray(0, 4), bytes.subarray(bytes.length - Math.floor(bytes.length / 2))]));
    const cut = await compare(mixed, addDays(day, 3));
    expect(cut.marts.customer?.builder).toBe('full');
    expect(cut.marts.customer?.reason).toMatch(/^carrying the window state forward failed/);
    expect(cut.marts.terminal?.builder).toBe('incremental');
    // Rebuilt, the state of that day is whole again (later days read its day partial).
    await build(mixed, addDays(day, 2));
  });

  it('states written in the earlier encoding (parquet 1, snappy, dictionaries) are carried forward: the same values, the full bytes', async () => {
    const spec = mixed;
    const day = '2025-04-05';
    // Days in order, so that the states of the days leaving the windows of day exist too.
    for (let k = 15; k >= 1; k -= 1) await build(spec, addDays(day, -k));
    const encodings = async (path: string) => (await fx.db.all<{ e: string }>(`SELECT DISTINCT encodings AS e FROM parquet_metadata('${path}') ORDER BY e`)).map((r) => r.e);
    // Every state the build of day reads (the day before and the days leaving its windows), rewritten as main wrote them.
    for (const e of [0, 1] as const) {
      for (const d of new Set([addDays(day, -1), ...deltaDays(spec.marts[e], day, 7).filter((x) => x !== day)])) {
        const path = statePath(spec, e, d);
        expect(await encodings(path)).toContain('DELTA_BINARY_PACKED');
        const kv = await fx.db.all<{ k: string; v: string }>(`SELECT CAST(key AS VARCHAR) AS k, CAST(value AS VARCHAR) AS v FROM parquet_kv_metadata('${path}')`);
        const old = `${path}.old`;
        await fx.db.run(`COPY (SELECT * FROM read_parquet('${path}')) TO '${old}' (FORMAT parquet, COMPRESSION snappy, KV_METADATA {${kv.map((r) => `'${r.k}': '${r.v}'`).join(', ')}})`);
        renameSync(old, path);
        expect(await encodings(path)).toContain('PLAIN_DICTIONARY');
        expect(await encodings(path)).not.toContain('DELTA_BINARY_PACKED');
      }
    }
    const r = await compare(spec, day);
    expect(r.marts.customer?.reason).toBe(`window state of ${addDays(day, -1)} carried forward`);
    expect(r.marts.terminal?.reason).toBe(`window state of ${addDays(day, -1)} carried forward`);
  });

  it('an interrupted build writes no state and keeps the previous marts; a state that cannot be written only costs the next day a full build', async () => {
    const spec = mixed;
    const day = '2025-04-10';
    await build(spec, addDays(day, -1));
    await build(spec, day);
    const before = digest(spec, day);
    // The terminal mart's publication fails (after the customer mart was computed): nothing of the day changes.
    const failing: Lake = Object.create(fx.lake, {
      writePartition: { value: async (ds: string, d: Day, produce: (tmp: string) => Promise<void>) => (ds.endsWith('/terminal') ? Promise.reject(new Error('disk full')) : fx.lake.writePartition(ds as never, d, produce)) },
    });
    rmSync(join(statePath(spec, 0, day), '..'), { recursive: true });
    await expect(build(spec, day, {}, failing)).rejects.toThrow(/disk full/);
    expect(digest(spec, day)).toEqual(before);
    expect(existsSync(statePath(spec, 0, day))).toBe(false);
    // The customer state was computed into a file beside the mart's temporary: gone with the failed build.
    expect(readdirSync(martFolder(spec, 0, day))).toEqual(['data.parquet']);
    // States fail to publish: the marts are written and complete, the next day is full (no state), the one after incremental.
    const noState: Lake = Object.create(fx.lake, {
      writePartition: { value: async (ds: string, d: Day, produce: (tmp: string) => Promise<void>) => (ds.endsWith('/_state') ? Promise.reject(new Error('quota')) : fx.lake.writePartition(ds as never, d, produce)) },
    });
    const r = await build(spec, addDays(day, 1), {}, noState);
    expect(r.customers).toBeGreaterThan(0);
    expect(existsSync(statePath(spec, 0, addDays(day, 1)))).toBe(false);
    expect((await compare(spec, addDays(day, 2))).builder).toBe('full');
    const last = await compare(spec, addDays(day, 3));
    expect(last.builder, last.reason).toBe('incremental');
  });

  it('a build killed while writing a state leaves its temporaries; the rerun skips the day (its marts exist) and still removes them', async () => {
    const spec = presetSpec('handbook');
    const day = '2025-04-20';
    await build(spec, day, { allowPartialHistory: true });
    const folder = join(statePath(spec, 0, day), '..');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const deadTmp = `.data.parquet.${dead}.0badc0de.tmp`; // the pid of an exited process: a writer that died
    const liveTmp = `.data.parquet.${process.ppid}.0123abcd.tmp`; // our parent is alive: a concurrent writer
    writeFileSync(join(folder, deadTmp), 'half');
    writeFileSync(join(folder, liveTmp), 'in progress');
    // The state is computed into a file beside the mart's temporary and moved into _state after the marts: a build killed before leaves it there.
    const martDir = martFolder(spec, 0, day);
    const deadState = `.customer-state.parquet.${dead}.0badc0de.tmp`;
    writeFileSync(join(martDir, deadState), 'half');
    const r = await build(spec, day, { overwrite: false });
    expect(r.skipped).toBe(true);
    expect(readdirSync(folder).sort()).toEqual([liveTmp, 'data.parquet'].sort());
    expect(readdirSync(martDir)).toEqual(['data.parquet']);
    rmSync(join(folder, liveTmp));
  });

  it('--full and another engine take the full builder and say why; --full writes no state', async () => {
    const day = '2025-04-20';
    await build(mixed, addDays(day, -1));
    const full = await build(mixed, day, { full: true });
    expect(full).toMatchObject({ builder: 'full', marts: { customer: { builder: 'full', reason: 'full builder asked (--full)' } } });
    expect(existsSync(statePath(mixed, 0, day))).toBe(false);
    const spark = { ...duckdbMartEngine(fx.db), name: 'spark' as const };
    const other = await build(mixed, day, { engine: spark });
    expect(other.marts.terminal).toEqual({ builder: 'full', reason: 'engine spark runs the full builder (window states are DuckDB only)' });
  });
});
