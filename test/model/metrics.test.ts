import { describe, expect, it } from 'vitest';
import { computeMetrics, thresholdMetrics } from '../../src/model/metrics.js';
import { Rng } from '../../src/util/rng.js';

const L = (...v: number[]) => Uint8Array.from(v);
const S = (...v: number[]) => Float64Array.from(v);

describe('thresholdMetrics', () => {
  // labels 1 1 1 0 0 0 0 0; threshold 0.2 (a score equal to it is predicted positive):
  // predicted positive 0.9(1) 0.5(1) 0.6(0) 0.2(0) 0.2(0) → tp 2 fp 3; 0.1(1) → fn 1; 0.1(0) 0.05(0) → tn 2.
  const labels = L(1, 1, 1, 0, 0, 0, 0, 0);
  const scores = S(0.9, 0.5, 0.1, 0.6, 0.2, 0.2, 0.1, 0.05);

  it('counts score >= threshold as positive and derives the metrics', () => {
    const m = thresholdMetrics(labels, scores, 0.2, 1.5);
    expect(m).toMatchObject({ tp: 2, fp: 3, fn: 1, tn: 2, n: 8, positives: 3 });
    expect(m.accuracy).toBe(0.5); // (2 + 2) / 8
    expect(m.precision).toBeCloseTo(0.4, 12); // 2 / 5
    expect(m.recall).toBeCloseTo(2 / 3, 12); // 2 / 3
    // F1 = 2PR/(P+R) = 2 · 0.4 · 2/3 / (0.4 + 2/3) = (8/15) / (16/15) = 1/2
    expect(m.f1).toBeCloseTo(0.5, 12);
    // Fβ, β = 1.5: (1+2.25) · 0.4 · 2/3 / (2.25 · 0.4 + 2/3) = (13/15) / (47/30) = 26/47
    // (from counts: 3.25 · 2 / (3.25 · 2 + 2.25 · 1 + 3) = 6.5 / 11.75 = 26/47)
    expect(m.f_beta).toBeCloseTo(26 / 47, 12);
  });

  it('leaves precision and the F scores undefined with no positive prediction', () => {
    const m = thresholdMetrics(labels, scores, 0.95, 1.5);
    expect(m).toMatchObject({ tp: 0, fp: 0, fn: 3, tn: 5 });
    expect(m.accuracy).toBe(5 / 8);
    expect(m.precision).toBeUndefined();
    expect(m.recall).toBe(0);
    expect(m.f1).toBeUndefined();
    expect(m.f_beta).toBeUndefined();
  });

  it('gives F = 0 when precision and recall are both 0', () => {
    const m = thresholdMetrics(L(1, 0), S(0.1, 0.9), 0.5, 1.5);
    expect(m).toMatchObject({ precision: 0, recall: 0, f1: 0, f_beta: 0 });
  });

  it('leaves recall and the F scores undefined with no positive label', () => {
    const m = thresholdMetrics(L(0, 0), S(0.3, 0.7), 0.5, 1.5);
    expect(m).toMatchObject({ tp: 0, fp: 1, tn: 1, fn: 0, accuracy: 0.5, precision: 0 });
    expect(m.recall).toBeUndefined();
    expect(m.f1).toBeUndefined();
    expect(m.f_beta).toBeUndefined();
  });

  it('rejects malformed input', () => {
    expect(() => thresholdMetrics(L(1, 0), S(0.5), 0.5, 1)).toThrow(/length/);
    expect(() => thresholdMetrics(L(), S(), 0.5, 1)).toThrow(/empty/);
    expect(() => thresholdMetrics(L(2, 0), S(0.5, 0.1), 0.5, 1)).toThrow(/0 or 1/);
    expect(() => thresholdMetrics(L(1, 0), S(Number.NaN, 0.1), 0.5, 1)).toThrow(/finite/);
    expect(() => thresholdMetrics(L(1, 0), S(0.5, 0.1), 0.5, 0)).toThrow(/beta/);
  });
});

describe('computeMetrics', () => {
  it('combines the ranking and threshold metrics, with no NaN anywhere', () => {
    const m = computeMetrics(L(1, 0, 1, 0), S(0.9, 0.8, 0.4, 0.3), { threshold: 0.5, beta: 1.5 });
    // threshold 0.5: tp 1 (0.9), fp 1 (0.8), fn 1 (0.4), tn 1 (0.3)
    expect(m).toMatchObject({ tp: 1, fp: 1, fn: 1, tn: 1, n: 4, positives: 2, accuracy: 0.5, precision: 0.5, recall: 0.5 });
    expect(m.roc_auc).toBeCloseTo(0.75, 12);
    expect(m.pr_auc).toBeCloseTo(5 / 6, 12);
    expect(m.f_beta).toBeCloseTo(0.5, 12); // P = R ⇒ Fβ = P for every β

    const one = computeMetrics(L(0, 0), S(0.2, 0.8), { threshold: 0.5, beta: 1.5 });
    expect(Object.values(one).some((v) => Number.isNaN(v))).toBe(false);
    expect(one.roc_auc).toBeUndefined();
    expect(one.pr_auc).toBeUndefined();
  });
});

/** n random labels (positive with probability `rate`) and a score per row, made by `score(label, u)`. */
function randomData(seed: number, n: number, rate: number, score: (label: number, u: number) => number) {
  const rng = new Rng(seed, 1);
  const labels = new Uint8Array(n);
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = rng.next() < rate ? 1 : 0;
    scores[i] = score(labels[i], rng.next());
  }
  return { labels, scores };
}

describe('scale', () => {
  // Speed is measured in bench/metrics.mjs, not asserted here; this checks the result at 1.5 M rows.
  it('computes the metrics of 1.5 M random rows: ROC AUC near 0.5', () => {
    const { labels, scores } = randomData(3, 1_500_000, 0.008, (_, u) => u);
    const m = computeMetrics(labels, scores, { threshold: 0.2, beta: 1.5 });
    expect(Math.abs(m.roc_auc! - 0.5)).toBeLessThan(0.05); // random scores: AUC ≈ 0.5
  });
});
