/**
 * The data behind the evaluation charts, from labels and scores: ROC and precision–recall points,
 * metrics against the threshold, the score histogram by class and the reliability curve. Plain
 * JSON, so the same numbers go into chart specs, report.json and the HTML report.
 */
import { ratesFromCounts, thresholdMetrics } from '../model/metrics.js';

export interface CurvePoint {
  threshold: number;
  fpr: number;
  tpr: number;
  precision: number;
  recall: number;
}

export interface ThresholdRow {
  threshold: number;
  precision?: number;
  recall?: number;
  f1?: number;
  f_beta?: number;
}

export interface HistogramBin {
  lo: number;
  hi: number;
  legit: number;
  fraud: number;
}

export interface CalibrationBin {
  lo: number;
  hi: number;
  meanScore: number;
  fraudRate: number;
  rows: number;
}

export interface EvaluationCurves {
  n: number;
  positives: number;
  threshold: number;
  beta: number;
  /** One point per distinct score (highest first), thinned to at most MAX_POINTS. */
  curve: CurvePoint[];
  /** Precision and recall of flagging score ≥ threshold. */
  atThreshold: { precision?: number; recall?: number; tp: number; fp: number; fn: number; tn: number };
  thresholds: ThresholdRow[];
  histogram: HistogramBin[];
  calibration: CalibrationBin[];
}

/** Enough points for a smooth line at report size; keeps the SVGs small. */
const MAX_POINTS = 400;
const HISTOGRAM_BINS = 40;
const CALIBRATION_BINS = 10;

export function evaluationCurves(labels: Uint8Array, scores: Float64Array, opts: { threshold: number; beta: number }): EvaluationCurves {
  const n = scores.length;
  const m = thresholdMetrics(labels, scores, opts.threshold, opts.beta);
  const { pos, neg } = splitSorted(labels, scores, m.positives);
  const curve = rankCurve(pos, neg);
  const thresholds = Array.from({ length: 99 }, (_, k) => thresholdRow(pos, neg, (k + 1) / 100, opts.beta));
  return {
    n,
    positives: m.positives,
    threshold: opts.threshold,
    beta: opts.beta,
    curve,
    atThreshold: { precision: m.precision, recall: m.recall, tp: m.tp, fp: m.fp, fn: m.fn, tn: m.tn },
    thresholds,
    histogram: scoreHistogram(labels, scores, HISTOGRAM_BINS),
    calibration: calibrationBins(labels, scores, CALIBRATION_BINS),
  };
}

/**
 * Each class's scores, sorted ascending: two native numeric sorts of Float64Arrays (no comparator
 * callback) are several times faster than sorting an index array with a comparator.
 */
function splitSorted(labels: Uint8Array, scores: Float64Array, positives: number): { pos: Float64Array; neg: Float64Array } {
  const pos = new Float64Array(positives);
  const neg = new Float64Array(scores.length - positives);
  let p = 0;
  let q = 0;
  for (let i = 0; i < scores.length; i++) {
    if (labels[i]) pos[p++] = scores[i];
    else neg[q++] = scores[i];
  }
  return { pos: pos.sort(), neg: neg.sort() };
}

/**
 * Visits the distinct scores of the two ascending arrays from the highest down, merging them. For
 * each score `t`: `tp`, `fp` = positives and negatives scored ≥ t (flagged at threshold t).
 */
function walkThresholds(pos: Float64Array, neg: Float64Array, visit: (t: number, tp: number, fp: number) => void): void {
  let i = pos.length - 1;
  let j = neg.length - 1;
  while (i >= 0 || j >= 0) {
    const t = i < 0 ? neg[j] : j < 0 ? pos[i] : Math.max(pos[i], neg[j]);
    while (i >= 0 && pos[i] === t) i--;
    while (j >= 0 && neg[j] === t) j--;
    visit(t, pos.length - 1 - i, neg.length - 1 - j);
  }
}

/** How many of the ascending scores are ≥ t (binary search). */
function countAtLeast(asc: Float64Array, t: number): number {
  let lo = 0;
  let hi = asc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (asc[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return asc.length - lo;
}

/** Metrics of flagging score ≥ t, with metrics.ts's definitions (undefined where they are). */
function thresholdRow(pos: Float64Array, neg: Float64Array, t: number, beta: number): ThresholdRow {
  const tp = countAtLeast(pos, t);
  const fp = countAtLeast(neg, t);
  return { threshold: t, ...ratesFromCounts(tp, fp, pos.length, beta) };
}

/** ROC and PR points at every distinct score, highest first (flag everything ≥ that score). */
function rankCurve(pos: Float64Array, neg: Float64Array): CurvePoint[] {
  const positives = pos.length;
  const negatives = neg.length;
  // One step per distinct score, kept as counts in typed arrays: at 1.5 M test rows a point object
  // per step held ~150 MB of heap for the moment before thinning kept MAX_POINTS of them.
  const steps = positives + negatives + 1;
  const thresholdAt = new Float64Array(steps);
  const posAt = new Uint32Array(steps);
  const negAt = new Uint32Array(steps);
  thresholdAt[0] = Infinity;
  let n = 1;
  walkThresholds(pos, neg, (t, tp, fp) => {
    thresholdAt[n] = t;
    posAt[n] = tp;
    negAt[n] = fp;
    n++;
  });
  const point = (k: number): CurvePoint => {
    if (k === 0) return { threshold: Infinity, fpr: 0, tpr: 0, precision: 1, recall: 0 };
    const tp = posAt[k];
    const fp = negAt[k];
    return { threshold: thresholdAt[k], fpr: negatives ? fp / negatives : 0, tpr: positives ? tp / positives : 0, precision: tp / (tp + fp), recall: positives ? tp / positives : 0 };
  };
  return thinnedIndices(n).map(point);
}

/** Keeps the ends and evenly spaced points in between (the curve is monotone in both axes). */
function thinnedIndices(points: number): number[] {
  if (points <= MAX_POINTS) return Array.from({ length: points }, (_, k) => k);
  const step = (points - 1) / (MAX_POINTS - 1);
  return Array.from({ length: MAX_POINTS }, (_, k) => Math.round(k * step));
}

/** Equal-width bins over [0, 1]; a score of exactly 1 falls in the last bin. */
function binIndex(score: number, bins: number): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(score * bins)));
}

export function scoreHistogram(labels: Uint8Array | undefined, scores: Float64Array, bins: number): HistogramBin[] {
  const out = Array.from({ length: bins }, (_, b) => ({ lo: b / bins, hi: (b + 1) / bins, legit: 0, fraud: 0 }));
  for (let i = 0; i < scores.length; i++) {
    const bin = out[binIndex(scores[i], bins)];
    if (labels?.[i]) bin.fraud++;
    else bin.legit++;
  }
  return out;
}

function calibrationBins(labels: Uint8Array, scores: Float64Array, bins: number): CalibrationBin[] {
  const sum = new Float64Array(bins);
  const frauds = new Float64Array(bins);
  const rows = new Float64Array(bins);
  for (let i = 0; i < scores.length; i++) {
    const b = binIndex(scores[i], bins);
    sum[b] += scores[i];
    frauds[b] += labels[i];
    rows[b]++;
  }
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (rows[b] > 0) out.push({ lo: b / bins, hi: (b + 1) / bins, meanScore: sum[b] / rows[b], fraudRate: frauds[b] / rows[b], rows: rows[b] });
  }
  return out;
}
