/**
 * Permutation importance on the test window: shuffle one feature's column (breaking its link to
 * the label while keeping its distribution), re-score, and report the drop in ROC AUC and average
 * precision. Unlike impurity importance it measures what the model needs on unseen days, and it
 * is not inflated for features with many distinct values.
 */
import { predictParallel, predictPermuted, type ForestModel } from '../model/forest/index.js';
import { rankScores } from '../model/ranking.js';
import { Rng } from '../util/rng.js';

export interface PermutationImportance {
  feature: string;
  rocAucDrop?: number;
  prAucDrop?: number;
}

export interface PermutationOptions {
  seed: number;
  threads?: number;
  /** Rows used at most: a seeded uniform sample of the window beyond that (16 predictions of it are made). */
  maxRows?: number;
  /** Called after each feature, for progress. */
  onFeature?: (feature: string) => void;
}

export async function permutationImportance(
  model: ForestModel,
  columns: readonly Float64Array[],
  labels: Uint8Array,
  nRows: number,
  opts: PermutationOptions,
): Promise<{ rows: number; importances: PermutationImportance[] }> {
  ({ columns, labels, nRows } = subsample(columns, labels, nRows, opts.maxRows ?? Infinity, opts.seed));
  const scores = await predictParallel(model, [...columns], nRows, { threads: opts.threads });
  const { roc_auc: baseAuc, pr_auc: baseAp } = rankScores(labels, scores, { delong: false });
  const shuffled = columns.map((c, f) => {
    const x = c.slice(0, nRows);
    // Fisher–Yates with the feature's own stream: the same seed gives the same importances.
    const rng = new Rng(opts.seed, f, 0x5eed);
    for (let i = nRows - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = x[i];
      x[i] = x[j];
      x[j] = t;
    }
    return x;
  });
  // Every feature's pass in one job (predictPermuted: the workers start once).
  const passes = await predictPermuted(model, [...columns], shuffled, nRows, { threads: opts.threads });
  const out: PermutationImportance[] = [];
  for (let f = 0; f < columns.length; f++) {
    const { roc_auc: auc, pr_auc: ap } = rankScores(labels, passes[f], { delong: false });
    out.push({
      feature: model.featureNames[f],
      rocAucDrop: baseAuc === undefined || auc === undefined ? undefined : baseAuc - auc,
      prAucDrop: baseAp === undefined || ap === undefined ? undefined : baseAp - ap,
    });
    opts.onFeature?.(model.featureNames[f]);
  }
  return { rows: nRows, importances: out };
}

/** A seeded uniform sample of maxRows rows (in their original order), or the rows as they are. */
function subsample(columns: readonly Float64Array[], labels: Uint8Array, nRows: number, maxRows: number, seed: number) {
  const pick = subsampleRows(nRows, maxRows, seed);
  if (!pick) return { columns, labels, nRows };
  return { columns: columns.map((c) => Float64Array.from(pick, (i) => c[i])), labels: Uint8Array.from(pick, (i) => labels[i]), nRows: maxRows };
}

/**
 * The rows (ascending) permutationImportance samples of nRows rows with this seed, or undefined
 * when it takes them all: a caller can copy just these rows out of a larger table and pass them
 * in, with the same result as passing the whole table.
 */
export function subsampleRows(nRows: number, maxRows: number, seed: number): Uint32Array | undefined {
  if (nRows <= maxRows) return undefined;
  const rng = new Rng(seed, 0x5a3b1e);
  const idx = Uint32Array.from({ length: nRows }, (_, i) => i);
  for (let i = 0; i < maxRows; i++) {
    const j = i + rng.int(nRows - i);
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.subarray(0, maxRows).sort();
}
