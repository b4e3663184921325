/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, "Consistent individualized feature
 * attribution for tree ensembles", Algorithm 2) for one binary tree.
 *
 * The value function is the tree's own conditional expectation: a feature in the coalition follows
 * the row's branch, a feature outside it splits the expectation over both children in proportion to
 * the training rows that went each way (`leftShare`). The algorithm keeps, along the root-to-leaf
 * path, the weights of every coalition size at once, so a tree costs O(leaves · depth²) instead of
 * the 2^M subsets of the definition. Contributions sum to f(x) − E[f] exactly (local accuracy).
 */

/** A tree for explaining. Node i is a leaf when left[i] < 0; otherwise its children are left[i] and right[i]. */
export interface ShapTree {
  left: Int32Array;
  right: Int32Array;
  feature: Int32Array;
  /** Share of the node's training weight that went to the left child (the right child has the rest). */
  leftShare: Float64Array;
  /** The node's prediction (used at leaves). */
  value: Float64Array;
}

/** E[f]: the leaves' values weighted by the share of training weight that reaches them. */
export function expectedValue(tree: ShapTree, node = 0): number {
  if (tree.left[node] < 0) return tree.value[node];
  const s = tree.leftShare[node];
  return s * expectedValue(tree, tree.left[node]) + (1 - s) * expectedValue(tree, tree.right[node]);
}

/**
 * The path of the recursion, flat: level after level in one set of typed arrays (a level of
 * length L copies its parent's L − 1 elements, then extends), so explaining a row allocates
 * nothing per node. This is what makes `score --explain` affordable: the object-per-element
 * version cost ~0.6 s a row on a 150-tree depth-12 forest.
 */
class PathStore {
  feature: Int32Array;
  zero: Float64Array;
  one: Float64Array;
  weight: Float64Array;
  constructor(size: number) {
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }
}

let store = new PathStore(0);
/** Room for the levels of a tree of the given depth: levels of length 1 … depth + 1 (+1 for the root's). */
function storeFor(depth: number): PathStore {
  const need = ((depth + 2) * (depth + 3)) / 2;
  if (store.feature.length < need) store = new PathStore(need);
  return store;
}

/** Splits on the longest root-to-leaf path. */
export function treeDepth(tree: ShapTree, node = 0): number {
  return tree.left[node] < 0 ? 0 : 1 + Math.max(treeDepth(tree, tree.left[node]), treeDepth(tree, tree.right[node]));
}

/**
 * Adds scale × each feature's SHAP value for one row to phi. `goesLeft(node)` says which way the
 * row goes at a split node. `depth` is the tree's depth when the caller knows it.
 */
export function treeShap(tree: ShapTree, goesLeft: (node: number) => boolean, phi: Float64Array, scale = 1, depth = treeDepth(tree)): void {
  const p = storeFor(depth);
  const { feature, zero, one } = p;
  // The level of `node` starts at `start`; its parent's level (length parentLen) just before it.
  const recurse = (node: number, parentStart: number, parentLen: number, pZero: number, pOne: number, pFeature: number): void => {
    const start = parentStart + parentLen;
    p.feature.copyWithin(start, parentStart, start);
    p.zero.copyWithin(start, parentStart, start);
    p.one.copyWithin(start, parentStart, start);
    p.weight.copyWithin(start, parentStart, start);
    extendPath(p, start, parentLen, pZero, pOne, pFeature);
    let len = parentLen + 1;
    if (tree.left[node] < 0) {
      // Element 0 is the root's placeholder (feature -1); every other element is a split feature.
      const v = tree.value[node];
      for (let i = 1; i < len; i++) {
        const w = unwoundPathSum(p, start, len, i);
        phi[feature[start + i]] += scale * w * (one[start + i] - zero[start + i]) * v;
      }
      return;
    }
    const f = tree.feature[node];
    const l = tree.left[node];
    const r = tree.right[node];
    const left = goesLeft(node);
    const hot = left ? l : r;
    const cold = left ? r : l;
    const share = tree.leftShare[node];
    const hotShare = left ? share : 1 - share;
    let inZero = 1;
    let inOne = 1;
    // A feature split on again further down: undo its earlier element, carry its fractions on.
    let k = 1;
    while (k < len && feature[start + k] !== f) k++;
    if (k < len) {
      inZero = zero[start + k];
      inOne = one[start + k];
      unwindPath(p, start, len, k);
      len -= 1;
    }
    recurse(hot, start, len, hotShare * inZero, inOne, f);
    recurse(cold, start, len, (1 - hotShare) * inZero, 0, f);
  };
  recurse(0, 0, 0, 1, 1, -1);
}

/** Appends a split to the level [start, start + d) and updates the weights of every coalition size. */
function extendPath(p: PathStore, start: number, d: number, zero: number, one: number, feature: number): void {
  const w = p.weight;
  p.feature[start + d] = feature;
  p.zero[start + d] = zero;
  p.one[start + d] = one;
  w[start + d] = d === 0 ? 1 : 0;
  for (let i = d - 1; i >= 0; i--) {
    w[start + i + 1] += (one * w[start + i] * (i + 1)) / (d + 1);
    w[start + i] = (zero * w[start + i] * (d - i)) / (d + 1);
  }
}

/** Removes element k from the level [start, start + len), inverting extendPath for it. */
function unwindPath(p: PathStore, start: number, len: number, k: number): void {
  const w = p.weight;
  const d = len - 1;
  const one = p.one[start + k];
  const zero = p.zero[start + k];
  let next = w[start + d];
  for (let i = d - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = w[start + i];
      w[start + i] = (next * (d + 1)) / ((i + 1) * one);
      next = tmp - (w[start + i] * zero * (d - i)) / (d + 1);
    } else {
      w[start + i] = (w[start + i] * (d + 1)) / (zero * (d - i));
    }
  }
  for (let i = k; i < d; i++) {
    p.feature[start + i] = p.feature[start + i + 1];
    p.zero[start + i] = p.zero[start + i + 1];
    p.one[start + i] = p.one[start + i + 1];
  }
}

/** The total weight the level would have with element k unwound, without changing it. */
function unwoundPathSum(p: PathStore, start: number, len: number, k: number): number {
  const w = p.weight;
  const d = len - 1;
  const one = p.one[start + k];
  const zero = p.zero[start + k];
  let next = w[start + d];
  let total = 0;
  for (let i = d - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (next * (d + 1)) / ((i + 1) * one);
      total += tmp;
      next = w[start + i] - (tmp * zero * (d - i)) / (d + 1);
    } else {
      total += (w[start + i] / zero) * ((d + 1) / (d - i));
    }
  }
  return total;
}
