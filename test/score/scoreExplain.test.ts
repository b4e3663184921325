import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFeatureRows } from '../../src/features/assemble.js';
import { FEATURE_NAMES } from '../../src/features/spec.js';
import { presetSpec } from '../../src/features/loadFeatureSpec.js';
import { openDb } from '../../src/lake/db.js';
import { LocalLake } from '../../src/lake/localLake.js';
import { loadForest } from '../../src/model/forest/index.js';
import { computeMetrics } from '../../src/model/metrics.js';
import { readModelDir } from '../../src/mlflow/mlmodel.js';
import { runCli } from '../helpers/cli.js';
import { readParquet } from '../helpers/lake.js';

/**
 * `score --explain` (reasons in the scores partition) and the negative-sample calibration as
 * score applies it, on one simulated lake with two models: R = 1 and R = 0.1.
 */
const dir = mkdtempSync(join(tmpdir(), 'fraudctl-score-explain-'));
const lake = join(dir, 'lake');
const mlruns = join(dir, 'mlruns');
const DAY = '2025-02-14';
const THRESHOLD = '0.1';
const base = ['--lake', lake, '--tracking-uri', mlruns];
const plainModel = join(dir, 'model-r1');
const sampledModel = join(dir, 'model-r01');
let sampledTrain: Record<string, unknown>;

type ScoreRow = {
  transaction_id: bigint;
  fraud_score: number;
  flagged: boolean;
  [k: string]: unknown;
};

beforeAll(async () => {
  const sim = await runCli(['simulate', '--start', '2025-01-01', '--days', '45', '--customers', '600', '--terminals', '1200', '--seed', '8', '--lake', lake]);
  expect(sim.code, sim.stderr).toBe(0);
  const train = (out: string, extra: string[]) =>
    runCli(['train', ...base, '--days', '4', '--gap', '1', '--test-day', DAY, '--max-evals', '2', '--trees', '15:20', '--depth', '5:6', '--threads', '1', '--no-register', '--keep-known-compromised', '--threshold', THRESHOLD, '--out', out, '--json', ...extra]);
  const plain = await train(plainModel, []);
  expect(plain.code, plain.stderr).toBe(0);
  const sampled = await train(sampledModel, ['--negative-sample', '0.1', '--experiment', 'negative-sample']);
  expect(sampled.code, sampled.stderr).toBe(0);
  sampledTrain = sampled.json!;
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('score --explain', () => {
  it('writes the top 3 TreeSHAP reasons of each flagged row, the ones explain gives, null elsewhere', async () => {
    const r = await runCli(['score', ...base, '--date', DAY, '--model', plainModel, '--threshold', THRESHOLD, '--explain', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = await readParquet<ScoreRow>(join(lake, 'scores', `date=${DAY}`, 'data.parquet'));
    const flagged = rows.filter((w) => w.flagged);
    expect(flagged.length).toBeGreaterThan(3);
    expect((r.json!.explain as { rows: number }).rows).toBe(flagged.length);
    for (const w of rows.filter((x) => !x.flagged)) {
      for (let q = 1; q <= 3; q++) for (const c of ['feature', 'value', 'contribution']) expect(w[`reason_${q}_${c}`]).toBeNull();
    }
    // The three riskiest and one at the threshold's edge, each through `fraudctl explain`.
    const byScore = [...flagged].sort((a, b) => b.fraud_score - a.fraud_score);
    for (const w of [...byScore.slice(0, 3), byScore[byScore.length - 1]]) {
      const e = await runCli(['explain', ...base, '--date', DAY, '--model', plainModel, '--transaction', String(w.transaction_id), '--json']);
      expect(e.code, e.stderr).toBe(0);
      const x = (e.json!.explanations as { score: number; expectedValue: number; reasons: string[]; features: { feature: string; value: number; contribution: number }[] }[])[0];
      // Local accuracy against the written score: E[f] + Σ contributions = fraud_score.
      expect(Math.abs(x.expectedValue + x.features.reduce((s, f) => s + f.contribution, 0) - w.fraud_score)).toBeLessThan(1e-9);
      // The reasons: the three largest contributions, recomputed here from explain's full table.
      const top = [...x.features].sort((a, b) => b.contribution - a.contribution).slice(0, 3);
      expect(x.reasons).toEqual(top.map((f) => f.feature));
      top.forEach((f, q) => {
        expect(w[`reason_${q + 1}_feature`]).toBe(f.feature);
        expect(w[`reason_${q + 1}_value`]).toBe(f.value);
        expect(Math.abs((w[`reason_${q + 1}_contribution`] as number) - f.contribution)).toBeLessThan(1e-12);
      });
      // A flagged score is above the expected score, so its first reason raised it.
      expect(top[0].contribution).toBeGreaterThan(0);
    }
  }, 120_000);

  it('the partition schema is the one the README documents', async () => {
    // `date` is not in the file: DuckDB adds it from the hive path date=D.
    const cols = (await readParquet<{ column_name: string; column_type: string }>(join(lake, 'scores', `date=${DAY}`, 'data.parquet'), 'SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM src)')).filter((c) => c.column_name !== 'date');
    expect(cols.length).toBe(19);
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### The scores partition'));
    for (const c of cols) expect(section, c.column_name).toMatch(new RegExp(`\\| \`${c.column_name}\` \\| ${c.column_type} \\|`));
    expect(cols.map((c) => c.column_name).slice(-9)).toEqual([1, 2, 3].flatMap((q) => [`reason_${q}_feature`, `reason_${q}_value`, `reason_${q}_contribution`]));
  });
});

describe('negative-sample calibration at score time', () => {
  it("score writes the calibrated probabilities train evaluated: the same metrics at the threshold on the same rows", async () => {
    expect(JSON.parse(readFileSync(join(sampledModel, 'calibration.json'), 'utf8')).negative_sample_rate).toBe(0.1);
    const r = await runCli(['score', ...base, '--date', DAY, '--model', sampledModel, '--threshold', THRESHOLD, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json!.negativeSample).toBe(0.1);
    const written = await readParquet<ScoreRow>(join(lake, 'scores', `date=${DAY}`, 'data.parquet'));

    // Independently: the forest's raw output through Bayes' correction for a 0.1 genuine sample.
    const db = await openDb({ threads: 1 });
    const rows = await loadFeatureRows(db, new LocalLake(lake), DAY, presetSpec('handbook'));
    db.close();
    const model = await loadForest((await readModelDir(sampledModel)).modelPath, FEATURE_NAMES);
    const raw = model.predict(rows.columns, rows.n);
    const byId = new Map(written.map((w) => [w.transaction_id, w.fraud_score]));
    const calibrated = new Float64Array(rows.n);
    for (let i = 0; i < rows.n; i++) {
      calibrated[i] = (0.1 * raw[i]) / (0.1 * raw[i] + 1 - raw[i]);
      expect(Math.abs(byId.get(rows.transactionId[i])! - calibrated[i])).toBeLessThan(1e-12);
    }
    // Train's test day is this day with every row kept (--keep-known-compromised): its threshold
    // metrics are the ones score reports, and the uncalibrated scores would have given others.
    const trainTest = (sampledTrain.test as { pooled: Record<string, number> }).pooled;
    const scored = r.json!.monitoring as Record<string, number>;
    for (const k of ['precision', 'recall', 'accuracy', 'f1', 'roc_auc', 'pr_auc']) expect(Math.abs(scored[k] - trainTest[k]), k).toBeLessThan(1e-12);
    const rawMetrics = computeMetrics(rows.labels!, raw, { threshold: Number(THRESHOLD), beta: 1.5 });
    expect(rawMetrics.precision).not.toBeCloseTo(trainTest.precision, 6);
  }, 120_000);

  it('explain reports the calibrated score and explains the forest output it comes from', async () => {
    const e = await runCli(['explain', ...base, '--date', DAY, '--model', sampledModel, '--top', '30', '--json']);
    expect(e.code, e.stderr).toBe(0);
    // One whose forest score is strictly between 0 and 1 (at 0 and 1 the calibration changes nothing).
    const x = (e.json!.explanations as { score: number; forestScore: number; expectedValue: number; features: { contribution: number }[] }[]).find((t) => t.forestScore > 0 && t.forestScore < 1)!;
    expect(x).toBeDefined();
    expect(Math.abs(x.expectedValue + x.features.reduce((s, f) => s + f.contribution, 0) - x.forestScore)).toBeLessThan(1e-9);
    expect(x.score).toBeCloseTo((0.1 * x.forestScore) / (0.1 * x.forestScore + 1 - x.forestScore), 12);
    expect(x.score).toBeLessThan(x.forestScore);
  }, 60_000);
});
