/**
 * `score --explain`: the top reasons of every flagged transaction, as columns of the scores
 * partition a case-management tool can take without reading fraudctl's JSON. A reason is a feature
 * that raised the score: the features ranked by TreeSHAP contribution, largest first (ties in
 * feature order), the same exact TreeSHAP `fraudctl explain` prints.
 */
import type { ForestModel } from '../model/forest/index.js';
import { explainRow, prepareForestShap, rowValues } from './forestShap.js';

/** How many reasons a flagged row gets (reason_1_* … reason_3_*). */
export const REASON_COUNT = 3;

/** Columns the reasons add to the scores partition, in order (null on unflagged rows). */
export const REASON_COLUMNS = Array.from({ length: REASON_COUNT }, (_, i) => [`reason_${i + 1}_feature`, `reason_${i + 1}_value`, `reason_${i + 1}_contribution`]).flat();

/** Indexes of the k largest contributions, largest first; equal ones in feature order. */
export function topReasons(contributions: ArrayLike<number>, k = REASON_COUNT): number[] {
  return Array.from({ length: contributions.length }, (_, i) => i)
    .sort((a, b) => contributions[b] - contributions[a] || a - b)
    .slice(0, k);
}

/** The reasons of the flagged rows, column-major: row index, then per reason its feature index, value, contribution. */
export interface ScoreReasons {
  row: Int32Array;
  feature: Int32Array[];
  value: Float64Array[];
  contribution: Float64Array[];
  /** Seconds TreeSHAP took for these rows. */
  seconds: number;
}

/** TreeSHAP for the rows whose score is ≥ threshold; `onRow` is called after each (progress). */
export function explainFlagged(model: ForestModel, columns: readonly Float64Array[], scores: Float64Array, threshold: number, onRow: () => void = () => {}): ScoreReasons {
  const t0 = performance.now();
  const flagged: number[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i] >= threshold) flagged.push(i);
  const n = flagged.length;
  const k = Math.min(REASON_COUNT, columns.length);
  const out: ScoreReasons = {
    row: Int32Array.from(flagged),
    feature: Array.from({ length: k }, () => new Int32Array(n)),
    value: Array.from({ length: k }, () => new Float64Array(n)),
    contribution: Array.from({ length: k }, () => new Float64Array(n)),
    seconds: 0,
  };
  const shap = prepareForestShap(model);
  flagged.forEach((r, j) => {
    const x = rowValues(columns, r);
    const { contributions } = explainRow(shap, x);
    topReasons(contributions, k).forEach((f, q) => {
      out.feature[q][j] = f;
      out.value[q][j] = x[f];
      out.contribution[q][j] = contributions[f];
    });
    onRow();
  });
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}
