/**
 * TreeSHAP for fraudctl's random forest: the forest's prediction is the mean of its trees', so a
 * feature's contribution is the mean of its per-tree SHAP values and E[f] the mean of the trees'.
 *
 * What the model file gives: each node's value is the fraud fraction of its bootstrap-weighted
 * training rows (src/model/forest/tree.ts), and a parent's fraction is the weighted mean of its
 * children's. So the share w of the parent's weight that went left solves
 * v_parent = w·v_left + (1 − w)·v_right, i.e. w = (v_parent − v_right) / (v_left − v_right): the
 * training cover that path-dependent TreeSHAP needs, recovered from values alone. A split whose two
 * children have the same fraction (a zero-gain split, which the grower accepts when no split gains)
 * carries no such information; it gets w = ½ and is counted in `evenSplits`. Its two subtrees then
 * predict around the same mean, so the effect on contributions is small, and local accuracy
 * (Σ contributions + E[f] = score) holds regardless.
 */
import type { ForestModel } from '../model/forest/index.js';
import { expectedValue, treeDepth, treeShap, type ShapTree } from './treeShap.js';

export interface ForestShap {
  featureNames: readonly string[];
  trees: ShapTree[];
  /** Raw-value split point per node: a row goes left when x < splitValue (bin ≤ threshold). */
  splitValue: Float64Array[];
  expectedValue: number;
  /** Depth of each tree (sizes TreeSHAP's path store). */
  depth: Int32Array;
  /** Splits whose children's fractions are equal, where the left share is taken as ½. */
  evenSplits: number;
}

export interface RowExplanation {
  score: number;
  expectedValue: number;
  /** Per feature, in featureNames order. */
  contributions: Float64Array;
}

/** Reads the forest's trees into the form TreeSHAP walks (once per model). */
export function prepareForestShap(model: ForestModel): ForestShap {
  // The one place that reads the forest's node arrays; a layout change shows up in this file's tests.
  const { forest, binEdges } = model.parts;
  const trees: ShapTree[] = [];
  const splitValue: Float64Array[] = [];
  let evenSplits = 0;
  for (let t = 0; t < forest.roots.length; t++) {
    const root = forest.roots[t];
    const end = t + 1 < forest.roots.length ? forest.roots[t + 1] : forest.left.length;
    const n = end - root;
    const tree: ShapTree = {
      left: new Int32Array(n),
      right: new Int32Array(n),
      feature: new Int32Array(n),
      leftShare: new Float64Array(n),
      value: forest.value.slice(root, end),
    };
    const split = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const g = root + i;
      const l = forest.left[g];
      if (l === g) {
        tree.left[i] = tree.right[i] = -1;
        continue;
      }
      const f = forest.feature[g];
      tree.left[i] = l - root;
      tree.right[i] = l + 1 - root;
      tree.feature[i] = f;
      const edges = binEdges[f];
      const th = forest.threshold[g];
      // bin = number of edges ≤ x, so bin ≤ th exactly when x < edges[th].
      split[i] = th < edges.length ? edges[th] : Infinity;
      const vp = forest.value[g];
      const vl = forest.value[l];
      const vr = forest.value[l + 1];
      if (vl === vr) {
        tree.leftShare[i] = 0.5;
        evenSplits++;
      } else {
        tree.leftShare[i] = Math.min(1, Math.max(0, (vp - vr) / (vl - vr)));
      }
    }
    trees.push(tree);
    splitValue.push(split);
  }
  const ev = trees.reduce((s, tr) => s + expectedValue(tr), 0) / trees.length;
  return { featureNames: model.featureNames, trees, splitValue, expectedValue: ev, depth: Int32Array.from(trees, (tr) => treeDepth(tr)), evenSplits };
}

/** Contributions of one row given as its feature values (featureNames order). */
export function explainRow(shap: ForestShap, x: ArrayLike<number>): RowExplanation {
  const nf = shap.featureNames.length;
  const contributions = new Float64Array(nf);
  const nTrees = shap.trees.length;
  let score = 0;
  shap.trees.forEach((tree, t) => {
    const split = shap.splitValue[t];
    const goesLeft = (node: number) => x[tree.feature[node]] < split[node];
    treeShap(tree, goesLeft, contributions, 1 / nTrees, shap.depth[t]);
    let node = 0;
    while (tree.left[node] >= 0) node = goesLeft(node) ? tree.left[node] : tree.right[node];
    score += tree.value[node];
  });
  return { score: score / nTrees, expectedValue: shap.expectedValue, contributions };
}

/** The row's feature values out of column-major data. */
export function rowValues(columns: readonly Float64Array[], row: number): Float64Array {
  return Float64Array.from(columns, (c) => c[row]);
}
