/**
 * All trees of a forest in one set of node arrays (tree.ts's layout, child indices made absolute),
 * plus where each tree starts and how deep it goes. This is what is predicted with, sent to
 * workers and written to the model file.
 */
import type { GrownTree, TreeArrays } from './tree.js';

export interface FlatForest extends TreeArrays {
  /** Index of each tree's root node. */
  roots: Int32Array;
  /** Depth of each tree's deepest leaf: the length of its walk. */
  depths: Int32Array;
}

export function flattenTrees(trees: readonly GrownTree[]): FlatForest {
  const total = trees.reduce((s, t) => s + t.left.length, 0);
  const out: FlatForest = {
    feature: new Uint8Array(total),
    threshold: new Uint8Array(total),
    left: new Int32Array(total),
    value: new Float64Array(total),
    roots: new Int32Array(trees.length),
    depths: new Int32Array(trees.length),
  };
  let at = 0;
  trees.forEach((t, i) => {
    out.roots[i] = at;
    out.depths[i] = t.depth;
    out.feature.set(t.feature, at);
    out.threshold.set(t.threshold, at);
    out.value.set(t.value, at);
    for (let k = 0; k < t.left.length; k++) out.left[at + k] = t.left[k] + at;
    at += t.left.length;
  });
  return out;
}

/**
 * The forest's importances as scikit-learn computes them: the mean of the trees' normalised
 * importances over the trees that split at least once, normalised again.
 */
export function forestImportances(trees: readonly GrownTree[], nFeatures: number): Float64Array {
  const mean = new Float64Array(nFeatures);
  for (const t of trees) {
    if (t.left.length > 1) for (let f = 0; f < nFeatures; f++) mean[f] += t.importances[f];
  }
  const sum = mean.reduce((a, b) => a + b, 0);
  return sum > 0 ? mean.map((v) => v / sum) : mean;
}
