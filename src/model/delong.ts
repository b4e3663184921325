import { normalSf, Z95 } from './normal.js';

/**
 * DeLong, DeLong & Clarke-Pearson (Biometrics 1988): the variance of ROC AUC and the covariance of
 * the AUCs of several scores on the same rows, from the structural components
 *   V10(x_i) = mean_j ψ(x_i, y_j)  (per positive),   V01(y_j) = mean_i ψ(x_i, y_j)  (per negative),
 * ψ(x, y) = 1 if x > y, ½ if x = y, 0 otherwise. AUC = mean V10 = mean V01, and
 *   Var(AUC) = S10 / m + S01 / n   (S = sample variance / covariance, m positives, n negatives).
 * The components are counted by binary search in sorted copies: O((m + n) log(m + n)).
 */

export interface AucVariance {
  auc: number;
  variance: number;
  ci95: [number, number];
}

/** Per-positive and per-negative components of one score vector. */
interface Components {
  v10: Float64Array;
  v01: Float64Array;
  auc: number;
}

function components(labels: Uint8Array, scores: Float64Array): Components | undefined {
  if (labels.length !== scores.length) throw new RangeError(`labels (${labels.length}) and scores (${scores.length}) differ in length`);
  let m = 0;
  for (let i = 0; i < labels.length; i++) m += labels[i];
  const n = labels.length - m;
  if (m === 0 || n === 0) return undefined;
  const pos = new Float64Array(m);
  const neg = new Float64Array(n);
  let a = 0;
  let b = 0;
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isFinite(scores[i])) throw new RangeError(`scores must be finite, row ${i} is ${scores[i]}`);
    if (labels[i] === 1) pos[a++] = scores[i];
    else neg[b++] = scores[i];
  }
  const posSorted = Float64Array.from(pos).sort();
  const negSorted = Float64Array.from(neg).sort();
  const v10 = new Float64Array(m);
  const v01 = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < m; i++) {
    // negatives below x plus half of those equal to x
    const lo = lowerBound(negSorted, pos[i]);
    const hi = upperBound(negSorted, pos[i]);
    v10[i] = (lo + (hi - lo) / 2) / n;
    sum += v10[i];
  }
  for (let j = 0; j < n; j++) {
    // positives above y plus half of those equal to y
    const lo = lowerBound(posSorted, neg[j]);
    const hi = upperBound(posSorted, neg[j]);
    v01[j] = (m - hi + (hi - lo) / 2) / m;
  }
  return { v10, v01, auc: sum / m };
}

/** Sample covariance (divisor len − 1). */
function cov(a: Float64Array, b: Float64Array, ma: number, mb: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - ma) * (b[i] - mb);
  return s / (a.length - 1);
}

function mean(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

/**
 * ROC AUC with DeLong's variance and 95 % interval (AUC ± 1.96·√Var, clipped to [0, 1], as pROC
 * reports it). Undefined with one class only, or with fewer than 2 positives or 2 negatives (a
 * sample variance needs two values).
 */
export function delongAuc(labels: Uint8Array, scores: Float64Array): AucVariance | undefined {
  const c = components(labels, scores);
  if (!c || c.v10.length < 2 || c.v01.length < 2) return undefined;
  return delongFromComponents(c.v10, c.v01, c.auc);
}

/** DeLong's variance and interval from the components (ranking.ts computes them without sorting every row). */
export function delongFromComponents(v10: Float64Array, v01: Float64Array, auc: number): AucVariance {
  const m10 = mean(v10);
  const m01 = mean(v01);
  const variance = cov(v10, v10, m10, m10) / v10.length + cov(v01, v01, m01, m01) / v01.length;
  const half = Z95 * Math.sqrt(variance);
  return { auc, variance, ci95: [Math.max(0, auc - half), Math.min(1, auc + half)] };
}

export interface PairedAucTest {
  aucA: number;
  aucB: number;
  /** aucA − aucB */
  delta: number;
  /** Var(aucA − aucB) = VarA + VarB − 2 CovAB */
  variance: number;
  deltaCi95: [number, number];
  /** delta / √variance; undefined when the variance is 0 (the two rankings agree on every pair). */
  z?: number;
  /** One-sided p-value of H1: A is better (P(Z ≥ z) under H0). */
  pBetter?: number;
  /** One-sided p-value of H1: A is worse. */
  pWorse?: number;
  /** Two-sided p-value. */
  pTwoSided?: number;
}

/**
 * DeLong's test of two correlated ROC AUCs: scores A and B of the same rows with the same labels.
 * Undefined when either AUC is (one class, or fewer than 2 of a class).
 */
export function pairedDelong(labels: Uint8Array, a: Float64Array, b: Float64Array): PairedAucTest | undefined {
  if (a.length !== b.length) throw new RangeError(`the two score vectors differ in length (${a.length}, ${b.length})`);
  const ca = components(labels, a);
  const cb = components(labels, b);
  if (!ca || !cb || ca.v10.length < 2 || ca.v01.length < 2) return undefined;
  const [ma10, ma01, mb10, mb01] = [mean(ca.v10), mean(ca.v01), mean(cb.v10), mean(cb.v01)];
  const m = ca.v10.length;
  const n = ca.v01.length;
  const varA = cov(ca.v10, ca.v10, ma10, ma10) / m + cov(ca.v01, ca.v01, ma01, ma01) / n;
  const varB = cov(cb.v10, cb.v10, mb10, mb10) / m + cov(cb.v01, cb.v01, mb01, mb01) / n;
  const covAB = cov(ca.v10, cb.v10, ma10, mb10) / m + cov(ca.v01, cb.v01, ma01, mb01) / n;
  const delta = ca.auc - cb.auc;
  // Rounding can leave a tiny negative variance for (nearly) identical rankings.
  const variance = Math.max(0, varA + varB - 2 * covAB);
  const half = Z95 * Math.sqrt(variance);
  const out: PairedAucTest = { aucA: ca.auc, aucB: cb.auc, delta, variance, deltaCi95: [delta - half, delta + half] };
  if (variance > 1e-300) {
    const z = delta / Math.sqrt(variance);
    out.z = z;
    out.pBetter = normalSf(z);
    out.pWorse = normalSf(-z);
    out.pTwoSided = Math.min(1, 2 * normalSf(Math.abs(z)));
  }
  return out;
}

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
