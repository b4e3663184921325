import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/runBacktest.js';
import { BACKTEST_OPTIONS } from '../../src/commands/backtest.js';
import { defaultOptions } from '../../src/commands/optionTable.js';
import { featureNames } from '../../src/features/featureSpec.js';
import { presetSpec } from '../../src/features/loadFeatureSpec.js';
import { coreFixture } from '../helpers/coreFixture.js';
import { readParquet } from '../helpers/lake.js';

// backtest() called as a library: no argv, no Ctx, no stdout; every ambient input is passed in.
const f = coreFixture('fraudctl-backtest-core-', 3);
const { dir, config, deps } = f;
beforeAll(() => f.setUp(), 120_000);
afterAll(() => f.tearDown());
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
    const parent = await f.tracker.getRun(s.parentRunId);
    expect(parent.info.status).toBe('FINISHED');
    expect(parent.data.params.feature_spec).toBe('seed');
    expect(parent.data.params.features).toBe(featureNames(spec).join(','));
    expect(parent.data.params.threshold).toBe(String(config.threshold));
    const children = (await f.tracker.searchRuns([s.experimentId])).filter((r) => r.data.tags['mlflow.parentRunId'] === s.parentRunId);
    expect(children.map((r) => r.info.runId).sort()).toEqual(s.days.map((d) => d.runId).sort());
  }, 120_000);

  it('a signal fired before the first step: backtest rejects with exit 143 and leaves no run RUNNING', async () => {
    const ac = new AbortController();
    ac.abort('SIGTERM');
    await expect(backtest({ ...opts, experiment: 'aborted-backtest' }, deps(ac.signal))).rejects.toMatchObject({ exitCode: 143 });
    const exp = await f.tracker.getOrCreateExperiment('aborted-backtest');
    const runs = await f.tracker.searchRuns([exp]);
    // The parent run was started before the first step saw the signal: it is ended KILLED.
    expect(runs.map((r) => r.info.status)).toEqual(['KILLED']);
  }, 60_000);
});
