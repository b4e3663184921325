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
 *
 * ROC AUC and AP are ranking.ts' rankScores (their definitions are there); this file counts the
 * confusion matrix at a threshold.
 */
import { countPositives, rankScores } from './ranking.js';

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

/** Confusion counts and the metrics derived from them; predicted positive ⇔ score ≥ threshold. */
export function thresholdMetrics(labels: Uint8Array, scores: Float64Array, threshold: number, beta: number): ThresholdMetrics {
  const positives = countPositives(labels, scores);
  if (!Number.isFinite(threshold)) throw new RangeError(`threshold must be a finite number, got ${threshold}`);
  if (!(beta > 0) || !Number.isFinite(beta)) throw new RangeError(`beta must be a positive number, got ${beta}`);
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < labels.length; i++) {
    if (scores[i] >= threshold) {
      if (labels[i] === 1) tp++;
      else fp++;
    }
  }
  const n = labels.length;
  const fn = positives - tp;
  const tn = n - positives - fp;
  return { accuracy: (tp + tn) / n, ...ratesFromCounts(tp, fp, positives, beta), tp, fp, tn, fn, n, positives };
}

/** Precision, recall, F1 and Fβ of tp true and fp false positives among `positives` (plots/curves.ts' threshold rows use it too). */
export function ratesFromCounts(tp: number, fp: number, positives: number, beta: number): Pick<Metrics, 'precision' | 'recall' | 'f1' | 'f_beta'> {
  const precision = tp + fp > 0 ? tp / (tp + fp) : undefined;
  const recall = positives > 0 ? tp / positives : undefined;
  return { precision, recall, f1: fScore(precision, recall, 1), f_beta: fScore(precision, recall, beta) };
}

/** thresholdMetrics with ROC AUC and average precision (ranking.ts' rankScores, one pass for both). */
export function computeMetrics(labels: Uint8Array, scores: Float64Array, opts: { threshold: number; beta: number }): Metrics {
  const counts = thresholdMetrics(labels, scores, opts.threshold, opts.beta);
  const { roc_auc, pr_auc } = rankScores(labels, scores, { delong: false });
  return { roc_auc, pr_auc, ...counts };
}

/** Fβ from precision and recall, with the degenerate cases above. */
function fScore(precision: number | undefined, recall: number | undefined, beta: number): number | undefined {
  if (precision === undefined || recall === undefined) return undefined;
  if (precision === 0 && recall === 0) return 0;
  const b2 = beta * beta;
  return ((1 + b2) * precision * recall) / (b2 * precision + recall);
}
