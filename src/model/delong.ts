import { normalSf, Z95 } from './normal.js';
import { rankScores, type AucComponents } from './ranking.js';

/**
 * DeLong, DeLong & Clarke-Pearson (Biometrics 1988): the variance of ROC AUC and the covariance of
 * the AUCs of several scores on the same rows, from the structural components
 *   V10(x_i) = mean_j ψ(x_i, y_j)  (per positive),   V01(y_j) = mean_i ψ(x_i, y_j)  (per negative),
 * ψ(x, y) = 1 if x > y, ½ if x = y, 0 otherwise. AUC = mean V10 = mean V01, and
 *   Var(AUC) = S10 / m + S01 / n   (S = sample variance / covariance, m positives, n negatives).
 * The components come from ranking.ts' rankScores, with the AUC and AP of the same pass.
 */

export interface AucVariance {
  auc: number;
  variance: number;
  ci95: [number, number];
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
 * reports it), from rankScores' components (which it leaves undefined with fewer than 2 positives
 * or 2 negatives: a sample variance needs two values).
 */
export function delongFromComponents({ v10, v01, auc }: AucComponents): AucVariance {
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
  const ca = rankScores(labels, a, { delong: true }).components;
  const cb = rankScores(labels, b, { delong: true }).components;
  if (!ca || !cb) return undefined;
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
