import { describe, expect, it } from 'vitest';
import { delongFromComponents } from '../../src/model/delong.js';
import { thresholdMetrics } from '../../src/model/metrics.js';
import { rankScores } from '../../src/model/ranking.js';
import { Rng } from '../../src/util/rng.js';
import { delongAuc, midrankAuc, stepwiseAp } from './rankingOracle.js';

const L = (...v: number[]) => Uint8Array.from(v);
const S = (...v: number[]) => Float64Array.from(v);
const rocAuc = (labels: Uint8Array, scores: Float64Array) => rankScores(labels, scores).roc_auc;
const averagePrecision = (labels: Uint8Array, scores: Float64Array) => rankScores(labels, scores).pr_auc;

/** rankScores against the plain oracles of rankingOracle.ts (those are checked against scikit-learn and scipy in statistics.test.ts). */
function check(labels: Uint8Array, scores: Float64Array): void {
  const r = rankScores(labels, scores);
  expect(r.roc_auc).toBe(midrankAuc(labels, scores));
  expect(r.pr_auc).toBe(stepwiseAp(labels, scores));
  expect(r.components && delongFromComponents(r.components)).toEqual(delongAuc(labels, scores));
  // the same AUC and AP without the DeLong components
  const plain = rankScores(labels, scores, { delong: false });
  expect([plain.roc_auc, plain.pr_auc, plain.components]).toEqual([r.roc_auc, r.pr_auc, undefined]);
  expect(r.nPos + r.nNeg).toBe(labels.length);
  expect(r.negSizes.reduce((s, x) => s + x, 0)).toBe(r.nNeg);
  expect(r.posSizes.reduce((s, x) => s + x, 0)).toBe(r.nPos);
}

describe('rankScores', () => {
  it('gives ROC AUC, AP and DeLong bit for bit as the midrank, step-wise and sorted-DeLong oracles do (ties, rare and common positives)', () => {
    for (let seed = 0; seed < 60; seed++) {
      const rng = new Rng(seed, 77);
      const n = 2 + rng.int(4000);
      const rate = [0.01, 0.1, 0.5, 0.97][seed % 4];
      const grid = [0, 7, 100, 5000][(seed >> 2) % 4];
      const labels = Uint8Array.from({ length: n }, () => +(rng.next() < rate));
      const scores = Float64Array.from(labels, (y) => {
        const s = 0.3 * y + rng.next();
        return grid ? Math.round(s * grid) / grid : s;
      });
      check(labels, scores);
    }
  });

  it('a hand-checked set: pos 0.9, 0.5; neg 0.5, 0.1 → AUC 0.875, AP 1', () => {
    // pairs: (0.9 > 0.5), (0.9 > 0.1), (0.5 = 0.5: ½), (0.5 > 0.1) → 3.5 / 4; AP: the top row is a positive (P=1 at R=½), then 0.5 holds one of each (P=2/3 at R=1) → ½ + ½·⅔
    const r = rankScores(Uint8Array.from([1, 1, 0, 0]), Float64Array.from([0.9, 0.5, 0.5, 0.1]));
    expect(r.roc_auc).toBe(0.875);
    expect(r.pr_auc).toBeCloseTo(0.5 + 0.5 * (2 / 3), 15);
    // and the oracles, by the same hand count
    expect(midrankAuc(Uint8Array.from([1, 1, 0, 0]), Float64Array.from([0.9, 0.5, 0.5, 0.1]))).toBe(0.875);
    expect(stepwiseAp(Uint8Array.from([1, 1, 0, 0]), Float64Array.from([0.9, 0.5, 0.5, 0.1]))).toBeCloseTo(0.5 + 0.5 * (2 / 3), 15);
  });

  it('ROC AUC and AP do not depend on the order of the rows (the same bits reversed)', () => {
    const rng = new Rng(5, 78);
    const labels = Uint8Array.from({ length: 3000 }, () => +(rng.next() < 0.05));
    const scores = Float64Array.from(labels, (y) => Math.round((0.2 * y + rng.next()) * 50) / 50);
    const a = rankScores(labels, scores);
    const b = rankScores(labels.slice().reverse(), scores.slice().reverse());
    expect([b.roc_auc, b.pr_auc]).toEqual([a.roc_auc, a.pr_auc]);
    // DeLong's AUC is a mean of fractions summed in row order: equal, to rounding only
    expect(b.components!.auc).toBeCloseTo(a.roc_auc!, 14);
  });

  it('edge cases: one score for all rows, a single positive, no positive, no negative', () => {
    check(Uint8Array.from([1, 0, 1, 0, 0]), Float64Array.from([0.3, 0.3, 0.3, 0.3, 0.3]));
    check(Uint8Array.from([0, 0, 1, 0]), Float64Array.from([0.1, 0.7, 0.4, 0.2]));
    const none = rankScores(new Uint8Array(3), Float64Array.from([0.1, 0.2, 0.3]));
    expect(none.roc_auc).toBeUndefined();
    expect(none.pr_auc).toBeUndefined();
    const all = rankScores(Uint8Array.from([1, 1]), Float64Array.from([0.1, 0.2]));
    expect(all.roc_auc).toBeUndefined();
    expect(all.pr_auc).toBe(1);
    expect(() => rankScores(Uint8Array.from([1, 0]), Float64Array.from([0.1, NaN]))).toThrow(/finite/);
    // DeLong's sample variances need two of each class
    expect(rankScores(L(1, 0, 0), S(0.1, 0.2, 0.3)).components).toBeUndefined();
    expect(rankScores(L(1, 1, 0), S(0.1, 0.2, 0.3)).components).toBeUndefined();
    expect(delongAuc(L(1, 0, 0), S(0.1, 0.2, 0.3))).toBeUndefined();
  });
});

describe('rankScores: ROC AUC by hand', () => {
  it('counts the (positive, negative) pairs ranked right', () => {
    // positives 0.9, 0.4; negatives 0.8, 0.3. Pairs: 0.9>0.8, 0.9>0.3, 0.4<0.8, 0.4>0.3 → 3/4.
    expect(rocAuc(L(1, 0, 1, 0), S(0.9, 0.8, 0.4, 0.3))).toBeCloseTo(0.75, 12);
  });

  it('counts a tied pair as one half (one diagonal ROC step, the trapezoid)', () => {
    // positives 0.7, 0.5; negatives 0.7, 0.5, 0.2.
    // 0.7 vs (0.7, 0.5, 0.2) = 0.5 + 1 + 1; 0.5 vs (0.7, 0.5, 0.2) = 0 + 0.5 + 1 → 4 / 6.
    expect(rocAuc(L(1, 0, 1, 0, 0), S(0.7, 0.7, 0.5, 0.5, 0.2))).toBeCloseTo(4 / 6, 12);
  });

  it('is 0.5 when every score is tied, 1 for a perfect ranking and 0 for an inverted one', () => {
    expect(rocAuc(L(1, 0, 0, 1, 0), S(0.3, 0.3, 0.3, 0.3, 0.3))).toBe(0.5);
    expect(rocAuc(L(0, 1, 0, 1), S(0.1, 0.8, 0.2, 0.9))).toBe(1);
    expect(rocAuc(L(0, 1, 0, 1), S(0.8, 0.1, 0.9, 0.2))).toBe(0);
  });

  it('depends on the order of the scores only', () => {
    const labels = L(1, 0, 1, 0, 0);
    const a = rocAuc(labels, S(0.7, 0.7, 0.5, 0.5, 0.2));
    expect(rocAuc(labels, S(70, 70, -5, -5, -200))).toBe(a);
  });

  it('is undefined with one class', () => {
    expect(rocAuc(L(0, 0, 0), S(0.1, 0.2, 0.3))).toBeUndefined();
    expect(rocAuc(L(1, 1), S(0.1, 0.2))).toBeUndefined();
  });
});

describe('rankScores: average precision by hand', () => {
  it('sums (R_k - R_k-1) · P_k over thresholds, without interpolation', () => {
    // Thresholds 0.9: tp 1 fp 0, P 1, R 1/2 → 1/2 · 1; 0.8: recall unchanged;
    // 0.4: tp 2 fp 1, P 2/3, R 1 → 1/2 · 2/3. AP = 1/2 + 1/3 = 5/6.
    expect(averagePrecision(L(1, 0, 1, 0), S(0.9, 0.8, 0.4, 0.3))).toBeCloseTo(5 / 6, 12);
  });

  it('treats tied scores as one threshold', () => {
    // 0.7: tp 1 fp 1 → P 1/2, R 1/2; 0.5: tp 2 fp 2 → P 1/2, R 1. AP = 1/4 + 1/4.
    expect(averagePrecision(L(1, 0, 1, 0, 0), S(0.7, 0.7, 0.5, 0.5, 0.2))).toBeCloseTo(0.5, 12);
    // All tied: one threshold with P = prevalence 1/4 and R = 1.
    expect(averagePrecision(L(1, 0, 0, 0), S(0.3, 0.3, 0.3, 0.3))).toBe(0.25);
  });

  it('is 1 for a perfect ranking and small for an inverted one', () => {
    expect(averagePrecision(L(0, 1, 0, 1), S(0.1, 0.8, 0.2, 0.9))).toBe(1);
    // Inverted: 0.9, 0.8 negatives; 0.2: tp 1 fp 2 → 1/2 · 1/3; 0.1: tp 2 fp 2 → 1/2 · 1/2. AP = 5/12.
    expect(averagePrecision(L(0, 0, 1, 1), S(0.9, 0.8, 0.2, 0.1))).toBeCloseTo(5 / 12, 12);
  });

  it('is undefined with no positive and 1 with positives only', () => {
    expect(averagePrecision(L(0, 0), S(0.4, 0.6))).toBeUndefined();
    expect(averagePrecision(L(1, 1), S(0.4, 0.6))).toBe(1);
  });
});

describe('agreement with the definitions on random data with many ties', () => {
  it('rankScores and the oracles match a brute-force count of pairs and a scan of every threshold', () => {
    const n = 1500;
    // ~50 distinct scores, positives a little higher on average
    const rng = new Rng(7, 1);
    const labels = Uint8Array.from({ length: n }, () => +(rng.next() < 0.1));
    const scores = Float64Array.from(labels, (y) => Math.round((rng.next() + y * 0.3) * 40) / 40);
    let right = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      if (labels[i] !== 1) continue;
      for (let j = 0; j < n; j++) {
        if (labels[j] !== 0) continue;
        pairs++;
        right += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    expect(rocAuc(labels, scores)).toBeCloseTo(right / pairs, 12);
    expect(midrankAuc(labels, scores)).toBeCloseTo(right / pairs, 12);

    const thresholds = [...new Set(scores)].sort((a, b) => b - a);
    let ap = 0;
    let prevRecall = 0;
    const positives = labels.reduce((s, y) => s + y, 0);
    for (const t of thresholds) {
      const m = thresholdMetrics(labels, scores, t, 1);
      ap += (m.recall! - prevRecall) * m.precision!;
      prevRecall = m.recall!;
    }
    expect(positives).toBeGreaterThan(0);
    expect(averagePrecision(labels, scores)).toBeCloseTo(ap, 12);
    expect(stepwiseAp(labels, scores)).toBeCloseTo(ap, 12);
  });
});

