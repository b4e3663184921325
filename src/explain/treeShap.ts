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

/** One element of the path: the feature split on, the share of coalitions without it, with it, and its weight. */
interface PathElem {
  feature: number;
  zero: number;
  one: number;
  weight: number;
}

/** E[f]: the leaves' values weighted by the share of training weight that reaches them. */
export function expectedValue(tree: ShapTree, node = 0): number {
  if (tree.left[node] < 0) return tree.value[node];
  const s = tree.leftShare[node];
  return s * expectedValue(tree, tree.left[node]) + (1 - s) * expectedValue(tree, tree.right[node]);
}

/**
 * Adds scale × each feature's SHAP value for one row to phi. `goesLeft(node)` says which way the
 * row goes at a split node.
 */
export function treeShap(tree: ShapTree, goesLeft: (node: number) => boolean, phi: Float64Array, scale = 1): void {
  const recurse = (node: number, parentPath: PathElem[], zero: number, one: number, feature: number): void => {
    const path = parentPath.map((e) => ({ ...e }));
    extendPath(path, zero, one, feature);
    if (tree.left[node] < 0) {
      // path[0] is the root's placeholder (feature -1); every other element is a split feature.
      for (let i = 1; i < path.length; i++) {
        const w = unwoundPathSum(path, i);
        phi[path[i].feature] += scale * w * (path[i].one - path[i].zero) * tree.value[node];
      }
      return;
    }
    const f = tree.feature[node];
    const l = tree.left[node];
    const r = tree.right[node];
    const [hot, cold] = goesLeft(node) ? [l, r] : [r, l];
    const share = tree.leftShare[node];
    const [hotShare, coldShare] = hot === l ? [share, 1 - share] : [1 - share, share];
    let inZero = 1;
    let inOne = 1;
    // A feature split on again further down: undo its earlier element, carry its fractions on.
    const k = path.findIndex((e, i) => i > 0 && e.feature === f);
    if (k > 0) {
      inZero = path[k].zero;
      inOne = path[k].one;
      unwindPath(path, k);
    }
    recurse(hot, path, hotShare * inZero, inOne, f);
    recurse(cold, path, coldShare * inZero, 0, f);
  };
  recurse(0, [], 1, 1, -1);
}

/** Appends a split to the path and updates the weights of every coalition size. */
function extendPath(path: PathElem[], zero: number, one: number, feature: number): void {
  const d = path.length;
  path.push({ feature, zero, one, weight: d === 0 ? 1 : 0 });
  for (let i = d - 1; i >= 0; i--) {
    path[i + 1].weight += (one * path[i].weight * (i + 1)) / (d + 1);
    path[i].weight = (zero * path[i].weight * (d - i)) / (d + 1);
  }
}

/** Removes element k from the path, inverting extendPath for it. */
function unwindPath(path: PathElem[], k: number): void {
  const d = path.length - 1;
  const { one, zero } = path[k];
  let next = path[d].weight;
  for (let i = d - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = path[i].weight;
      path[i].weight = (next * (d + 1)) / ((i + 1) * one);
      next = tmp - (path[i].weight * zero * (d - i)) / (d + 1);
    } else {
      path[i].weight = (path[i].weight * (d + 1)) / (zero * (d - i));
    }
  }
  for (let i = k; i < d; i++) {
    path[i].feature = path[i + 1].feature;
    path[i].zero = path[i + 1].zero;
    path[i].one = path[i + 1].one;
  }
  path.pop();
}

/** The total weight the path would have with element k unwound, without changing it. */
function unwoundPathSum(path: PathElem[], k: number): number {
  const d = path.length - 1;
  const { one, zero } = path[k];
  let next = path[d].weight;
  let total = 0;
  for (let i = d - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (next * (d + 1)) / ((i + 1) * one);
      total += tmp;
      next = path[i].weight - (tmp * zero * (d - i)) / (d + 1);
    } else {
      total += (path[i].weight / zero) * ((d + 1) / (d - i));
    }
  }
  return total;
}
