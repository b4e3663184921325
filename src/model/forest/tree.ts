/**
 * A tree as flat node arrays. Node i: rows with bin ≤ threshold[i] of feature[i] go to left[i], the
 * others to left[i] + 1 (siblings are adjacent). A leaf points to itself with threshold 255, which no
 * bin exceeds, so a walk of fixed length `depth` ends on the right leaf without testing for leaves.
 * value[i] is the fraud fraction of the node's bootstrap-weighted training rows (the prediction, at
 * a leaf).
 */
export interface TreeArrays {
  feature: Uint8Array;
  threshold: Uint8Array;
  left: Int32Array;
  value: Float64Array;
}

export interface GrownTree extends TreeArrays {
  /** Depth of the deepest leaf (0 for a single leaf). */
  depth: number;
  /** Mean decrease in impurity per feature, normalised to sum 1 (all 0 when the tree never split). */
  importances: Float64Array;
}

export const LEAF_THRESHOLD = 255;

export class TreeBuilder {
  private feature = new Uint8Array(1024);
  private threshold = new Uint8Array(1024);
  private left = new Int32Array(1024);
  private value = new Float64Array(1024);
  private size = 0;
  private depth = 0;

  reset(): void {
    this.size = 0;
    this.depth = 0;
  }

  /** Appends a node and returns its index. */
  add(): number {
    if (this.size === this.left.length) this.enlarge();
    return this.size++;
  }

  /** Makes `node` a split; returns the index of its left child (the right one follows). */
  setSplit(node: number, feature: number, threshold: number, value: number): number {
    const left = this.add();
    this.add();
    this.feature[node] = feature;
    this.threshold[node] = threshold;
    this.left[node] = left;
    this.value[node] = value;
    return left;
  }

  setLeaf(node: number, value: number, depth: number): void {
    this.feature[node] = 0;
    this.threshold[node] = LEAF_THRESHOLD;
    this.left[node] = node;
    this.value[node] = value;
    if (depth > this.depth) this.depth = depth;
  }

  /** Copies the tree out (exact-size arrays, ready to transfer) with its importances normalised. */
  finish(rawImportances: Float64Array): GrownTree {
    const n = this.size;
    let sum = 0;
    for (const v of rawImportances) sum += v;
    return {
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      left: this.left.slice(0, n),
      value: this.value.slice(0, n),
      depth: this.depth,
      importances: sum > 0 ? rawImportances.map((v) => v / sum) : rawImportances.slice(),
    };
  }

  private enlarge(): void {
    const grow = <T extends Uint8Array | Int32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    this.feature = grow(this.feature);
    this.threshold = grow(this.threshold);
    this.left = grow(this.left);
    this.value = grow(this.value);
  }
}
