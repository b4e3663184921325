/**
 * Evaluation metrics of a trial (DESIGN.md §4), defined as scikit-learn defines them, except that a
 * metric sklearn would answer with a warning and a stand-in value (0, 1 or NaN) is `undefined` here.
 *
 * Degenerate cases, exactly:
 * - `roc_auc`: undefined when the labels hold one class only (sklearn raises ValueError).
 * - `pr_auc` (average precision): undefined with no positive label (sklearn warns and returns 0);
 *   with no negative label it is 1.
 * - `precision` = tp / (tp + fp): undefined with no positive prediction (sklearn: 0 + warning).
 * - `recall` = tp / (tp + fn): undefined with no positive label (sklearn: 0 + warning).
 * - `f1`, `f_beta` = (1+β²)·P·R / (β²·P + R): undefined when precision or recall is undefined;
 *   0 when both are 0 (tp = 0 with positive predictions and positive labels), as in sklearn.
 *   sklearn ≥ 1.3 computes F from counts and so reports 0 when there are positives but no positive
 *   prediction; here that case is undefined because precision is.
 * - `accuracy` = (tp + tn) / n is always defined; an empty input is an error.
 */

export interface Metrics {
  roc_auc?: number;
  pr_auc?: number;
  accuracy: number;
  precision?: number;
  recall?: number;
  f1?: number;
  f_beta?: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
  n: number;
  positives: number;
}

export type ThresholdMetrics = Omit<Metrics, 'roc_auc' | 'pr_auc'>;

/**
 * Area under the ROC curve. Tied scores form one step of the curve, so a tied (positive, negative)
 * pair counts one half — sklearn's trapezoid, equal to the Mann-Whitney U statistic / (P·N).
 * Undefined when the labels hold one class only.
 */
export function rocAuc(labels: Uint8Array, scores: Float64Array): number | undefined {
  return rankingMetrics(labels, scores).roc_auc;
}

/**
 * sklearn's average_precision_score: Σ over distinct thresholds (highest first) of
 * (R_k − R_{k−1}) · P_k, where P_k and R_k are the precision and recall of predicting positive every
 * score ≥ the k-th threshold. Step-wise, no interpolation. Undefined with no positive label.
 */
export function averagePrecision(labels: Uint8Array, scores: Float64Array): number | undefined {
  return rankingMetrics(labels, scores).pr_auc;
}

/** ROC AUC and average precision from one sort (the sort is nearly all of the cost): call this, not both. */
export function rankingMetrics(labels: Uint8Array, scores: Float64Array): { roc_auc?: number; pr_auc?: number } {
  const { pos, neg } = splitSorted(labels, scores);
  // (positive, negative) pairs ranked right: each negative scores below `tpBefore` positives and
  // ties with `dp` of them, which count one half each.
  let pairs = 0;
  let precisionSum = 0;
  walkThresholds(pos, neg, (dp, dn, tpBefore, fpBefore) => {
    pairs += dn * (tpBefore + dp / 2);
    if (dp > 0) precisionSum += (dp * (tpBefore + dp)) / (tpBefore + dp + fpBefore + dn);
  });
  return {
    roc_auc: pos.length > 0 && neg.length > 0 ? pairs / (pos.length * neg.length) : undefined,
    pr_auc: pos.length > 0 ? precisionSum / pos.length : undefined,
  };
}

/** Confusion counts and the metrics derived from them; predicted positive ⇔ score ≥ threshold. */
export function thresholdMetrics(labels: Uint8Array, scores: Float64Array, threshold: number, beta: number): ThresholdMetrics {
  checkInputs(labels, scores);
  if (!Number.isFinite(threshold)) throw new RangeError(`threshold must be a finite number, got ${threshold}`);
  if (!(beta > 0) || !Number.isFinite(beta)) throw new RangeError(`beta must be a positive number, got ${beta}`);
  let tp = 0;
  let fp = 0;
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    positives += y;
    if (scores[i] >= threshold) {
      if (y === 1) tp++;
      else fp++;
    }
  }
  const n = labels.length;
  const fn = positives - tp;
  const tn = n - positives - fp;
  const precision = tp + fp > 0 ? tp / (tp + fp) : undefined;
  const recall = positives > 0 ? tp / positives : undefined;
  return {
    accuracy: (tp + tn) / n,
    precision,
    recall,
    f1: fScore(precision, recall, 1),
    f_beta: fScore(precision, recall, beta),
    tp,
    fp,
    tn,
    fn,
    n,
    positives,
  };
}

export function computeMetrics(labels: Uint8Array, scores: Float64Array, opts: { threshold: number; beta: number }): Metrics {
  const counts = thresholdMetrics(labels, scores, opts.threshold, opts.beta);
  return { ...rankingMetrics(labels, scores), ...counts };
}

function fScore(precision: number | undefined, recall: number | undefined, beta: number): number | undefined {
  if (precision === undefined || recall === undefined) return undefined;
  if (precision === 0 && recall === 0) return 0;
  const b2 = beta * beta;
  return ((1 + b2) * precision * recall) / (b2 * precision + recall);
}

function checkInputs(labels: Uint8Array, scores: Float64Array): void {
  if (labels.length !== scores.length) throw new RangeError(`labels (${labels.length}) and scores (${scores.length}) differ in length`);
  if (labels.length === 0) throw new RangeError('cannot compute metrics of an empty set');
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] > 1) throw new RangeError(`labels must be 0 or 1, row ${i} is ${labels[i]}`);
    if (!Number.isFinite(scores[i])) throw new RangeError(`scores must be finite, row ${i} is ${scores[i]}`);
  }
}

/**
 * Scores of the positive and of the negative rows, each sorted ascending. Two native numeric sorts
 * of Float64Arrays (no comparator callback) are several times faster than sorting an index array
 * with a comparator, and a merge walk over the two gives every distinct threshold with its counts.
 */
function splitSorted(labels: Uint8Array, scores: Float64Array): { pos: Float64Array; neg: Float64Array } {
  checkInputs(labels, scores);
  let p = 0;
  for (let i = 0; i < labels.length; i++) p += labels[i];
  const pos = new Float64Array(p);
  const neg = new Float64Array(labels.length - p);
  let ip = 0;
  let ineg = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 1) pos[ip++] = scores[i];
    else neg[ineg++] = scores[i];
  }
  pos.sort();
  neg.sort();
  return { pos, neg };
}

/**
 * Visits the distinct scores from the highest down. For each: `dp`, `dn` = positives and negatives
 * with exactly that score; `tpBefore`, `fpBefore` = positives and negatives scored strictly higher.
 */
function walkThresholds(
  pos: Float64Array,
  neg: Float64Array,
  visit: (dp: number, dn: number, tpBefore: number, fpBefore: number) => void,
): void {
  let i = pos.length - 1;
  let j = neg.length - 1;
  let tp = 0;
  let fp = 0;
  while (i >= 0 || j >= 0) {
    const v = i < 0 ? neg[j] : j < 0 ? pos[i] : Math.max(pos[i], neg[j]);
    let dp = 0;
    let dn = 0;
    while (i >= 0 && pos[i] === v) {
      dp++;
      i--;
    }
    while (j >= 0 && neg[j] === v) {
      dn++;
      j--;
    }
    visit(dp, dn, tp, fp);
    tp += dp;
    fp += dn;
  }
}
