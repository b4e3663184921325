/**
 * Permutation importance on the test window: shuffle one feature's column (breaking its link to
 * the label while keeping its distribution), re-score, and report the drop in ROC AUC and average
 * precision. Unlike impurity importance it measures what the model needs on unseen days, and it
 * is not inflated for features with many distinct values.
 */
import { predictParallel, type ForestModel } from '../model/forest/index.js';
import { averagePrecision, rocAuc } from '../model/metrics.js';
import { Rng } from '../util/rng.js';

export interface PermutationImportance {
  feature: string;
  rocAucDrop?: number;
  prAucDrop?: number;
}

export interface PermutationOptions {
  seed: number;
  threads?: number;
  /** Called after each feature, for progress. */
  onFeature?: (feature: string) => void;
}

export async function permutationImportance(
  model: ForestModel,
  columns: readonly Float64Array[],
  labels: Uint8Array,
  nRows: number,
  opts: PermutationOptions,
): Promise<PermutationImportance[]> {
  const scores = await predictParallel(model, [...columns], nRows, { threads: opts.threads });
  const baseAuc = rocAuc(labels, scores);
  const baseAp = averagePrecision(labels, scores);
  const out: PermutationImportance[] = [];
  for (let f = 0; f < columns.length; f++) {
    const shuffled = columns[f].slice(0, nRows);
    // Fisher–Yates with the feature's own stream: the same seed gives the same importances.
    const rng = new Rng(opts.seed, f, 0x5eed);
    for (let i = nRows - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = shuffled[i];
      shuffled[i] = shuffled[j];
      shuffled[j] = t;
    }
    const permuted = columns.map((c, k) => (k === f ? shuffled : c));
    const s = await predictParallel(model, permuted, nRows, { threads: opts.threads });
    const auc = rocAuc(labels, s);
    const ap = averagePrecision(labels, s);
    out.push({
      feature: model.featureNames[f],
      rocAucDrop: baseAuc === undefined || auc === undefined ? undefined : baseAuc - auc,
      prAucDrop: baseAp === undefined || ap === undefined ? undefined : baseAp - ap,
    });
    opts.onFeature?.(model.featureNames[f]);
  }
  return out;
}
