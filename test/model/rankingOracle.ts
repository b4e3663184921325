/**
 * Plain, slow, obviously-correct ROC AUC, average precision and DeLong variance: the test oracles
 * of src/model/ranking.ts' rankScores (test/model/ranking.test.ts), which serves every caller in
 * src/. Each starts from a comparator sort of the row indices — nothing shared with rankScores,
 * which sorts only the positives and binary-searches each negative. test/model/statistics.test.ts
 * checks these against scikit-learn and scipy.
 *
 * The formulas are the textbook ones, written so that the floating-point operations on the same
 * integer counts are the ones rankScores does, so a test can ask for the same bits:
 * - AUC: Mann–Whitney U with midranks, (Σ ranks of positives − m(m+1)/2) / (m·n). Midranks are
 *   half-integers, so U is exact and equals the count of pairs ranked right (ties ½).
 * - AP: sklearn's Σ_k (R_k − R_{k−1}) · P_k over distinct thresholds, highest first. R_k − R_{k−1}
 *   is (positives at threshold k) / m, so the sum is written Σ dp_k · P_k, over m at the end.
 */
import { Z95 } from '../../src/model/normal.js';

/** Row indices ordered by score (ascending), ties in any order. */
function byScore(scores: Float64Array): number[] {
  return Array.from(scores.keys()).sort((a, b) => scores[a] - scores[b]);
}

function countPositives(labels: Uint8Array): number {
  let m = 0;
  for (const y of labels) m += y;
  return m;
}

/** ROC AUC as the Mann–Whitney U statistic with midranks; undefined with one class. */
export function midrankAuc(labels: Uint8Array, scores: Float64Array): number | undefined {
  const m = countPositives(labels);
  const n = labels.length - m;
  if (m === 0 || n === 0) return undefined;
  const order = byScore(scores);
  let rankSum = 0;
  for (let a = 0; a < order.length; ) {
    let b = a;
    while (b < order.length && scores[order[b]] === scores[order[a]]) b++;
    // rows a..b−1 share ranks a+1..b: each gets their mean
    const midrank = (a + 1 + b) / 2;
    for (let k = a; k < b; k++) if (labels[order[k]] === 1) rankSum += midrank;
    a = b;
  }
  return (rankSum - (m * (m + 1)) / 2) / (m * n);
}

/** sklearn's average_precision_score, step-wise over distinct thresholds; undefined with no positive. */
export function stepwiseAp(labels: Uint8Array, scores: Float64Array): number | undefined {
  const m = countPositives(labels);
  if (m === 0) return undefined;
  const order = byScore(scores).reverse();
  let tp = 0;
  let fp = 0;
  let sum = 0;
  for (let a = 0; a < order.length; ) {
    let dp = 0;
    let b = a;
    for (; b < order.length && scores[order[b]] === scores[order[a]]; b++) {
      if (labels[order[b]] === 1) dp++;
      else fp++;
    }
    tp += dp;
    // flagging every score ≥ this one: precision tp/(tp + fp), recall up by dp/m
    if (dp > 0) sum += (dp * tp) / (tp + fp);
    a = b;
  }
  return sum / m;
}

/**
 * DeLong's ROC AUC, variance and 95 % interval (AUC ± 1.96·√Var clipped to [0, 1]). The components
 * are counted by binary search in sorted copies of each class, in the rows' own order:
 * v10 per positive (negatives below + ½ tied) / n, v01 per negative (positives above + ½ tied) / m;
 * Var = S10/m + S01/n with sample variances. Undefined with fewer than 2 of either class.
 */
export function delongAuc(labels: Uint8Array, scores: Float64Array): { auc: number; variance: number; ci95: [number, number] } | undefined {
  const pos = scores.filter((_, i) => labels[i] === 1);
  const neg = scores.filter((_, i) => labels[i] !== 1);
  const m = pos.length;
  const n = neg.length;
  if (m < 2 || n < 2) return undefined;
  const posSorted = pos.slice().sort();
  const negSorted = neg.slice().sort();
  const v10 = pos.map((x) => (lowerBound(negSorted, x) + (upperBound(negSorted, x) - lowerBound(negSorted, x)) / 2) / n);
  const v01 = neg.map((y) => (m - upperBound(posSorted, y) + (upperBound(posSorted, y) - lowerBound(posSorted, y)) / 2) / m);
  const auc = sum(v10) / m;
  const variance = sampleVariance(v10) / m + sampleVariance(v01) / n;
  const half = Z95 * Math.sqrt(variance);
  return { auc, variance, ci95: [Math.max(0, auc - half), Math.min(1, auc + half)] };
}

function sum(a: Float64Array): number {
  let s = 0;
  for (const x of a) s += x;
  return s;
}

function sampleVariance(a: Float64Array): number {
  const mean = sum(a) / a.length;
  let s = 0;
  for (const x of a) s += (x - mean) * (x - mean);
  return s / (a.length - 1);
}

/** First index with a[i] ≥ x. */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with a[i] > x. */
function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
