import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultOptions } from '../../src/commands/optionTable.js';
import { SCORE_OPTIONS } from '../../src/commands/scoreOptions.js';
import { TRAIN_OPTIONS } from '../../src/commands/trainOptions.js';
import { resolveConfig } from '../../src/config.js';
import { openDb, type Db } from '../../src/lake/db.js';
import { LocalLake } from '../../src/lake/localLake.js';
import { createLogger } from '../../src/log.js';
import { FileStore } from '../../src/mlflow/fileStore.js';
import { score } from '../../src/score/runScore.js';
import { resolveSimParams } from '../../src/sim/params.js';
import { simulateToLake } from '../../src/sim/simulateToLake.js';
import { train } from '../../src/train/runTrain.js';
import { readParquet } from '../helpers/lake.js';

// The cores called as a library: no argv, no Ctx, no stdout; every ambient input is passed in.
const dir = mkdtempSync(join(tmpdir(), 'fraudctl-cores-'));
const lake = new LocalLake(join(dir, 'lake'), dir);
const log = createLogger({ level: 'silent', stream: new Writable({ write: (_c, _e, cb) => cb() }) });
const clock = () => new Date('2025-06-01T00:00:00Z');
const noProgress = () => ({ tick: () => undefined, done: () => undefined });
const config = resolveConfig({ flags: {}, env: {}, cwd: dir }).config;
let db: Db;
let tracker: FileStore;
const deps = (signal = new AbortController().signal) => ({ lake, db, tracker, log, now: clock, signal, progress: noProgress, runEnv: { user: 'test', airflow: {}, isJob: true } });

beforeAll(async () => {
  await simulateToLake(resolveSimParams({ start: '2025-01-01', days: 12, customers: 500, terminals: 1000, seed: 2 }), { lake, log });
  db = await openDb({ threads: 1 });
  tracker = await FileStore.open(join(dir, 'mlruns'), { cwd: dir, log, secrets: [] });
}, 120_000);

afterAll(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const trainOpts = { ...defaultOptions(TRAIN_OPTIONS, config), days: 2, testDay: '2025-01-12', allowPartialHistory: true, maxEvals: 2, trees: [5, 10] as [number, number], depth: [3, 5] as [number, number], threads: 1 };

describe('train() and score() without the CLI', () => {
  it('train(options, deps) returns the summary of the search; its runs are in the store', async () => {
    const s = await train(trainOpts, deps());
    // --days 2 --gap 1 before the 12th: the 9th and the 10th.
    expect(s.trainDays).toEqual(['2025-01-09', '2025-01-10']);
    expect(s.testDay).toBe('2025-01-12');
    expect(s.trials.map((t) => t.trial)).toEqual([0, 1]);
    const bestAuc = Math.max(...s.trials.map((t) => t.metrics.roc_auc as number));
    expect(s.best.metrics.roc_auc).toBe(bestAuc);
    expect(s.registered).toEqual({ name: 'fraud-detector', version: '1' });
    const parent = await tracker.getRun(s.parentRunId);
    expect(parent.info.status).toBe('FINISHED');
    expect(parent.data.params.threshold).toBe('0.2');
    expect(parent.data.params.train_days).toBe('2025-01-09,2025-01-10');
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
    const exp = await tracker.getOrCreateExperiment('aborted');
    const runs = await tracker.searchRuns([exp]);
    expect(runs.every((r) => r.info.status !== 'RUNNING')).toBe(true);
  }, 60_000);
});
