/** The categories of a stratified AP resample (bootstrapAp.ts): what a resample's AP depends on. */
export interface ApCategories {
  nPos: number;
  nNeg: number;
  /** posSizes[j]: positives scored G_j (the j-th highest distinct positive score). */
  posSizes: Int32Array;
  /** negSizes[j]: negatives scored in [G_j, G_{j−1}); the last entry: those below every positive. */
  negSizes: Int32Array;
  /** Distinct positive scores, highest first. */
  thresholds: Float64Array;
}

/** sklearn's average precision given the counts per category: Σ_j dp_j · tp_j / (tp_j + fp_j) / #positives. */
export function apFromCounts(dp: Int32Array, dn: Int32Array, nPos: number): number {
  let tp = 0;
  let fp = 0;
  let sum = 0;
  for (let j = 0; j < dp.length; j++) {
    tp += dp[j];
    fp += dn[j];
    if (dp[j] > 0) sum += (dp[j] * tp) / (tp + fp);
  }
  return sum / nPos;
}

/**
 * DeLong's structural components of one score vector (delong.ts turns them into a variance):
 * v10[i] = (negatives below positive i + ½ those tied with it) / n, per positive in row order;
 * v01[j] = (positives above negative j + ½ those tied with it) / m, per negative in row order;
 * auc = mean of v10 (summed in row order).
 */
export interface AucComponents {
  v10: Float64Array;
  v01: Float64Array;
  auc: number;
}

/**
 * ROC AUC, average precision, DeLong's components and the bootstrap's categories of one scored
 * set — the one implementation every caller uses (train's evaluation and bootstrap, score's
 * monitoring, permutation importance, the paired DeLong test) — from ONE sort of the positives'
 * scores and one binary search per negative among the distinct positive scores, instead of
 * sorting every row. A fraud set has few positives (~1 %), so the sort is of ~10 k values and
 * the searches are in an array that stays in cache.
 *
 * The arithmetic is exact where it can be:
 * - AUC: every (positive, negative) pair count is a half-integer below 2^53, so the sum is exact
 *   in any order, divided by m·n (= the Mann–Whitney U with midranks over m·n): the same bits
 *   whatever the row order;
 * - AP: sklearn's Σ (R_k − R_{k−1})·P_k over distinct thresholds, highest first; only thresholds
 *   holding a positive add a term, R_k − R_{k−1} = dp/m, so it is Σ dp·tp/(tp + fp), over m;
 *   the terms come in score order, so it too does not depend on the row order;
 * - DeLong: each component is an integer (or half-integer) count over m or n, kept in row order
 *   (the paired test matches them row by row); their mean, `auc`, is summed in that order.
 * test/model/ranking.test.ts checks all of it against plain oracles (test/model/rankingOracle.ts)
 * bit for bit, and test/model/statistics.test.ts against scikit-learn and scipy.
 */
export interface Ranking extends ApCategories {
  roc_auc?: number;
  pr_auc?: number;
  /** With opts.delong; undefined with fewer than 2 positives or 2 negatives. */
  components?: AucComponents;
}

/** The positives among labels, after checking both inputs (equal lengths, not empty, 0/1 labels, finite scores). */
export function countPositives(labels: Uint8Array, scores: Float64Array): number {
  const n = labels.length;
  if (n !== scores.length) throw new RangeError(`labels (${n}) and scores (${scores.length}) differ in length`);
  if (n === 0) throw new RangeError('cannot compute metrics of an empty set');
  let positives = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] > 1) throw new RangeError(`labels must be 0 or 1, row ${i} is ${labels[i]}`);
    if (!Number.isFinite(scores[i])) throw new RangeError(`scores must be finite, row ${i} is ${scores[i]}`);
    positives += labels[i];
  }
  return positives;
}

export function rankScores(labels: Uint8Array, scores: Float64Array, opts: { delong: boolean } = { delong: true }): Ranking {
  const n = labels.length;
  const nPos = countPositives(labels, scores);
  const nNeg = n - nPos;
  // Distinct positive scores, highest first, with how many positives each (posSizes) and how many
  // positives score strictly above each (above).
  const pos = new Float64Array(nPos);
  for (let i = 0, a = 0; i < n; i++) if (labels[i] === 1) pos[a++] = scores[i];
  pos.sort().reverse();
  let groups = 0;
  const sizes = new Int32Array(nPos);
  for (let k = 0; k < nPos; k++) {
    if (k === 0 || pos[k] !== pos[groups - 1]) pos[groups++] = pos[k];
    sizes[groups - 1]++;
  }
  const thresholds = pos.slice(0, groups);
  const posSizes = sizes.slice(0, groups);
  const above = new Float64Array(groups + 1);
  for (let j = 0; j < groups; j++) above[j + 1] = above[j] + posSizes[j];
  // negSizes[j]: negatives in [G_j, G_{j−1}); negEqual[j]: those exactly at G_j.
  const negSizes = new Int32Array(groups + 1);
  const negEqual = new Int32Array(groups + 1);
  const delong = opts.delong && nPos >= 2 && nNeg >= 2;
  const v01 = delong ? new Float64Array(nNeg) : undefined;
  for (let i = 0, b = 0; i < n; i++) {
    if (labels[i] === 1) continue;
    const x = scores[i];
    let lo = 0;
    let hi = groups;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (thresholds[mid] > x) lo = mid + 1;
      else hi = mid;
    }
    negSizes[lo]++;
    const tie = lo < groups && thresholds[lo] === x;
    if (tie) negEqual[lo]++;
    // positives above y plus half of those equal to y, over m
    if (v01) v01[b++] = (above[lo] + (tie ? posSizes[lo] : 0) / 2) / nPos;
  }
  const out: Ranking = { nPos, nNeg, posSizes, negSizes, thresholds };
  if (nPos > 0) out.pr_auc = apFromCounts(posSizes, negSizes, nPos);
  if (nPos > 0 && nNeg > 0) {
    let pairs = 0;
    for (let j = 0; j <= groups; j++) pairs += negSizes[j] * above[j] + (j < groups ? (negEqual[j] * posSizes[j]) / 2 : 0);
    out.roc_auc = pairs / (nPos * nNeg);
  }
  if (v01) {
    // negatives below x plus half of those equal to x, over n, per positive in row order;
    // below[j]: negatives under G_j (the segments after j)
    const below = new Float64Array(groups + 1);
    for (let j = groups - 1; j >= 0; j--) below[j] = below[j + 1] + negSizes[j + 1];
    const v10 = new Float64Array(nPos);
    let sum = 0;
    for (let i = 0, a = 0; i < n; i++) {
      if (labels[i] !== 1) continue;
      const x = scores[i];
      let lo = 0;
      let hi = groups - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (thresholds[mid] > x) lo = mid + 1;
        else hi = mid;
      }
      v10[a] = (below[lo] + negEqual[lo] / 2) / nNeg;
      sum += v10[a++];
    }
    out.components = { v10, v01, auc: sum / nPos };
  }
  return out;
}
