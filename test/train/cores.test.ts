import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultOptions } from '../../src/commands/optionTable.js';
import { SCORE_OPTIONS } from '../../src/commands/scoreOptions.js';
import { TRAIN_OPTIONS } from '../../src/commands/trainOptions.js';
import { score } from '../../src/score/runScore.js';
import { train } from '../../src/train/runTrain.js';
import { coreFixture } from '../helpers/coreFixture.js';
import { readParquet } from '../helpers/lake.js';

// The cores called as a library: no argv, no Ctx, no stdout; every ambient input is passed in.
const f = coreFixture('fraudctl-cores-', 2);
const { dir, config, deps } = f;
beforeAll(() => f.setUp(), 120_000);
afterAll(() => f.tearDown());

const trainOpts = { ...defaultOptions(TRAIN_OPTIONS, config), days: 2, gap: 1, testDay: '2025-01-12', allowPartialHistory: true, maxEvals: 2, trees: [5, 10] as [number, number], depth: [3, 5] as [number, number], threads: 1 };

describe('train() and score() without the CLI', () => {
  it('train(options, deps) returns the summary of the search; its runs are in the store', async () => {
    const s = await train(trainOpts, deps());
    // --days 2 --gap 1 before the 12th: train 7th–8th, validation 10th, refit 9th–10th.
    expect(s.trainDays).toEqual(['2025-01-07', '2025-01-08']);
    expect(s.validationDays).toEqual(['2025-01-10']);
    expect(s.testDay).toBe('2025-01-12');
    expect(s.trials.map((t) => t.trial)).toEqual([0, 1]);
    const bestAuc = Math.max(...s.trials.map((t) => t.validation.roc_auc as number));
    expect(s.validation.pooled.roc_auc).toBe(bestAuc);
    expect(s.best.metrics.roc_auc).toBe(s.test.pooled.roc_auc);
    expect(s.registered).toEqual({ name: 'fraud-detector', version: '1' });
    const parent = await f.tracker.getRun(s.parentRunId);
    expect(parent.info.status).toBe('FINISHED');
    expect(parent.data.params.threshold).toBe('0.2');
    expect(parent.data.params.train_days).toBe('2025-01-07,2025-01-08');
  }, 120_000);

  it('score(options, deps) writes the partition it reports, with the threshold it is given', async () => {
    const opts = { ...defaultOptions(SCORE_OPTIONS, config), date: '2025-01-12', threshold: 0.1, threads: 1, cacheDir: join(dir, 'cache') };
    const s = await score(opts, deps());
    expect(s.modelUri).toBe('models:/fraud-detector/1');
    const rows = await readParquet<{ fraud_score: number; flagged: boolean }>(join(dir, 'lake', 'scores', 'date=2025-01-12', 'data.parquet'));
    const tx = await readParquet(join(dir, 'lake', 'transactions', 'date=2025-01-12', 'data.parquet'));
    expect(s.transactions).toBe(tx.length);
    expect(rows.length).toBe(tx.length);
    expect(s.flagged).toBe(rows.filter((r) => r.fraud_score >= 0.1).length);
    expect(rows.filter((r) => r.flagged).length).toBe(s.flagged);
    expect(s.threshold).toBe(0.1);
  }, 60_000);

  it('a signal fired before the search: train rejects with exit 143 and leaves no run RUNNING', async () => {
    const ac = new AbortController();
    ac.abort('SIGTERM');
    await expect(train({ ...trainOpts, experiment: 'aborted' }, deps(ac.signal))).rejects.toMatchObject({ exitCode: 143 });
    const exp = await f.tracker.getOrCreateExperiment('aborted');
    const runs = await f.tracker.searchRuns([exp]);
    expect(runs.every((r) => r.info.status !== 'RUNNING')).toBe(true);
  }, 60_000);
});
