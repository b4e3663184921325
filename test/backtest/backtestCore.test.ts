import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/runBacktest.js';
import { BACKTEST_OPTIONS } from '../../src/commands/backtest.js';
import { defaultOptions } from '../../src/commands/optionTable.js';
import { resolveConfig } from '../../src/config.js';
import { featureNames } from '../../src/features/featureSpec.js';
import { presetSpec } from '../../src/features/loadFeatureSpec.js';
import { openDb, type Db } from '../../src/lake/db.js';
import { LocalLake } from '../../src/lake/localLake.js';
import { createLogger } from '../../src/log.js';
import { FileStore } from '../../src/mlflow/fileStore.js';
import { resolveSimParams } from '../../src/sim/params.js';
import { simulateToLake } from '../../src/sim/simulateToLake.js';
import { readParquet } from '../helpers/lake.js';

// backtest() called as a library: no argv, no Ctx, no stdout; every ambient input is passed in.
const dir = mkdtempSync(join(tmpdir(), 'fraudctl-backtest-core-'));
const lake = new LocalLake(join(dir, 'lake'), dir);
const log = createLogger({ level: 'silent', stream: new Writable({ write: (_c, _e, cb) => cb() }) });
const clock = () => new Date('2025-06-01T00:00:00Z');
const noProgress = () => ({ tick: () => undefined, done: () => undefined });
const config = resolveConfig({ flags: {}, env: {}, cwd: dir }).config;
let db: Db;
let tracker: FileStore;
const deps = (signal = new AbortController().signal) => ({ lake, db, tracker, log, now: clock, signal, progress: noProgress, runEnv: { user: 'test', airflow: {}, isJob: true } });
const opts = {
  ...defaultOptions(BACKTEST_OPTIONS, config),
  from: '2025-01-11',
  to: '2025-01-12',
  days: 2,
  gap: 1,
  trees: 5,
  depth: 4,
  bootstrap: 0,
  threads: 1,
  allowPartialHistory: true,
  dropKnownCompromised: false,
};

beforeAll(async () => {
  await simulateToLake(resolveSimParams({ start: '2025-01-01', days: 12, customers: 500, terminals: 1000, seed: 3 }), { lake, log });
  db = await openDb({ threads: 1 });
  tracker = await FileStore.open(join(dir, 'mlruns'), { cwd: dir, log, secrets: [] });
}, 120_000);

afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('backtest() without the CLI', () => {
  it('returns one object per test day on the features of the spec it is given; its runs are in the store', async () => {
    const spec = presetSpec('seed');
    const s = await backtest({ ...opts, featureSpec: spec }, deps());
    // --step 1 --days 2 --gap 1: the 11th is tested by a model of the 8th–9th, the 12th by one of the 9th–10th.
    expect(s.days.map((d) => [d.day, d.trainFrom, d.trainTo])).toEqual([
      ['2025-01-11', '2025-01-08', '2025-01-09'],
      ['2025-01-12', '2025-01-09', '2025-01-10'],
    ]);
    expect(s.steps).toBe(2);
    expect(s.features.spec).toBe('seed');
    // Nothing dropped: every transaction of the day is evaluated, as many as its partition holds.
    for (const d of s.days) {
      const tx = await readParquet<{ tx_fraud: number }>(join(dir, 'lake', 'transactions', `date=${d.day}`, 'data.parquet'));
      expect(d.rows).toBe(tx.length);
      expect(d.frauds).toBe(tx.filter((t) => Number(t.tx_fraud) === 1).length);
    }
    expect(s.mean.roc_auc).toBeCloseTo((s.days[0].roc_auc! + s.days[1].roc_auc!) / 2, 12);
    const parent = await tracker.getRun(s.parentRunId);
    expect(parent.info.status).toBe('FINISHED');
    expect(parent.data.params.feature_spec).toBe('seed');
    expect(parent.data.params.features).toBe(featureNames(spec).join(','));
    expect(parent.data.params.threshold).toBe(String(config.threshold));
    const children = (await tracker.searchRuns([s.experimentId])).filter((r) => r.data.tags['mlflow.parentRunId'] === s.parentRunId);
    expect(children.map((r) => r.info.runId).sort()).toEqual(s.days.map((d) => d.runId).sort());
  }, 120_000);

  it('a signal fired before the first step: backtest rejects with exit 143 and leaves no run RUNNING', async () => {
    const ac = new AbortController();
    ac.abort('SIGTERM');
    await expect(backtest({ ...opts, experiment: 'aborted-backtest' }, deps(ac.signal))).rejects.toMatchObject({ exitCode: 143 });
    const exp = await tracker.getOrCreateExperiment('aborted-backtest');
    const runs = await tracker.searchRuns([exp]);
    // The parent run was started before the first step saw the signal: it is ended KILLED.
    expect(runs.map((r) => r.info.status)).toEqual(['KILLED']);
  }, 60_000);
});
