import { describe, expect, it } from 'vitest';
import { delongAuc } from '../../src/model/delong.js';
import { computeMetrics } from '../../src/model/metrics.js';
import { rankScores } from '../../src/model/ranking.js';
import { Rng } from '../../src/util/rng.js';

/** rankScores against the sorting implementations it replaces in evaluateWindow (those are checked against scikit-learn in statistics.test.ts). */
function check(labels: Uint8Array, scores: Float64Array): void {
  const r = rankScores(labels, scores);
  const m = computeMetrics(labels, scores, { threshold: 0.5, beta: 1 });
  expect(r.roc_auc).toBe(m.roc_auc);
  expect(r.pr_auc).toBe(m.pr_auc);
  expect(r.delong).toEqual(delongAuc(labels, scores));
  expect(r.nPos + r.nNeg).toBe(labels.length);
  expect(r.negSizes.reduce((s, x) => s + x, 0)).toBe(r.nNeg);
  expect(r.posSizes.reduce((s, x) => s + x, 0)).toBe(r.nPos);
}

describe('rankScores', () => {
  it('gives ROC AUC, AP and DeLong bit for bit as computeMetrics and delongAuc do (ties, rare and common positives)', () => {
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
  });
});
