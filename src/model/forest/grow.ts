/**
 * Grows one tree of the forest on a binned table. Everything random about tree i comes from
 * Rng(seed, TREE_STREAM, i) — the bootstrap first, then the features drawn at each split in depth-first order —
 * so a tree is the same whichever thread grows it and whenever.
 *
 * Per tree: the bootstrap counts pick the working rows (bootstrap.ts), copied into a private
 * buffer; nodes are split depth-first (their rows kept contiguous by partitioning in place); a node's histogram comes from its parent's
 * minus its sibling's, and only the smaller child's rows are scanned.
 */
import { Rng } from '../../util/rng.js';
import type { BinnedTable } from './binnedTable.js';
import { copyDrawnRows, drawBootstrap, type DrawnRows } from './bootstrap.js';
import { scanFeature, type Hist, type Split } from './histogram.js';
import { TreeBuilder, type GrownTree } from './tree.js';
import type { GrowParams } from './types.js';
import { Workspace, type HistogramKernel } from './workspace.js';

/**
 * Rng(seed, i) would mix the tree index into the seed by XOR first, so seeds 1 and 2 gave the same
 * 100 trees (tree i of seed 1 = tree i^3 of seed 2): a fixed stream before the index scrambles the
 * seed first, and seeds that differ give different trees.
 */
const TREE_STREAM = 0x7ee5;

/**
 * Histograms alive at once: depth-first, each waiting node holds one — at most one waiting sibling
 * per level below the root plus the node being split, its sibling and the child being scanned.
 */
function histogramsNeeded(maxDepth: number): number {
  return maxDepth + 3;
}

/** A node waiting to be split: its working rows [start, end), weighted counts and histogram. */
interface Pending {
  node: number;
  start: number;
  end: number;
  depth: number;
  cnt: number;
  pos: number;
  hist: Hist;
}

/** Weighted Gini impurity times weight: c · (1 - (p/c)² - ((c-p)/c)²). */
function weightedGini(c: number, p: number): number {
  return (2 * p * (c - p)) / c;
}

/**
 * One grower per thread: it owns the working buffers and reuses them tree after tree, fit after
 * fit and across tables (`configure` sets a fit's params, its rows and its table). The buffers hold
 * a fit's candidate rows (its sample, not the whole table) and are replaced only when a fit has
 * more candidates or the table another layout.
 */
export class TreeGrower {
  private readonly extra = new Map<number, number>();
  private work!: Workspace;
  private perm = new Uint8Array(0);
  private readonly best: Split = { feature: 0, threshold: 0, score: 0, leftCnt: 0, leftPos: 0 };
  private readonly builder = new TreeBuilder();
  private importances = new Float64Array(0);
  private nBins = new Int32Array(0);
  private rng = new Rng(0);
  // The depth-first stack of nodes waiting to be split, each with its rows and histogram.
  private stack: Pending[] = [];
  private params!: GrowParams;
  private rows: Uint32Array | undefined;

  constructor(
    private table: BinnedTable,
    params: GrowParams,
    rows?: Uint32Array,
    private readonly kernel?: HistogramKernel,
  ) {
    this.configure(params, rows, table);
  }

  /** The next trees grow with these params on `rows` of `table` (all rows when undefined), in that order. */
  configure(params: GrowParams, rows?: Uint32Array, table: BinnedTable = this.table): void {
    const candidates = rows ? rows.length : table.nRows;
    const sameLayout = this.work !== undefined && table.groups === this.table.groups && table.nFeatures === this.table.nFeatures;
    if (!sameLayout || candidates > this.work.cap) {
      // Working rows: at most the candidates (each stands for ≥ 1 of their draws), the table's layout.
      this.work = new Workspace(candidates, table.groups, table.nFeatures, histogramsNeeded(params.maxDepth), this.kernel);
    }
    if (this.perm.length !== table.nFeatures) this.perm = Uint8Array.from({ length: table.nFeatures }, (_, f) => f);
    this.table = table;
    this.params = params;
    this.rows = rows;
    // With the wasm kernel the fit's rows are copied into the workspace's memory, where the kernel
    // copies each tree's drawn rows (no JS gather over a shared table).
    this.work.loadTable(table, rows);
  }

  grow(treeIndex: number): GrownTree {
    // A private copy: V8 reads typed arrays over a SharedArrayBuffer ~15 % slower in these loops.
    this.nBins = Int32Array.from(this.table.nBins);
    this.rng = new Rng(this.params.seed, TREE_STREAM, treeIndex);
    this.perm.forEach((_, f, p) => (p[f] = f));
    this.importances = new Float64Array(this.table.nFeatures);
    this.work.reserve(histogramsNeeded(this.params.maxDepth));
    const hist = this.work.acquire(this.nBins);
    const { rows, cnt, pos } = this.drawRows(hist);
    this.builder.reset();
    this.builder.add();
    this.stack.push({ node: 0, start: 0, end: rows, depth: 0, cnt, pos, hist });
    while (this.stack.length > 0) this.splitNode(this.stack.pop()!);
    return this.builder.finish(this.importances);
  }

  /** Bootstrap (n draws with replacement from the fit's n rows, as scikit-learn), then the drawn rows as working rows. */
  private drawRows(hist: Hist): DrawnRows {
    const { extra, rows } = this;
    const { counts } = this.work;
    const n = rows ? rows.length : this.table.nRows;
    extra.clear();
    if (!this.params.bootstrap) counts.fill(1, 0, n);
    else if (!this.work.drawBootstrap(this.rng, n)) drawBootstrap(this.rng, n, counts, extra);
    const drawn = this.work.loadedRows >= 0 ? this.work.copyDrawn(extra) : copyDrawnRows(this.table, counts, extra, this.work.w32, this.work.cap, rows, this.work.scratch);
    this.work.accumulate(0, drawn.rows, hist);
    return drawn;
  }

  private isLeaf(depth: number, cnt: number, pos: number): boolean {
    return depth >= this.params.maxDepth || pos === 0 || pos === cnt || cnt < 2 * this.params.minSamplesLeaf;
  }

  private splitNode(n: Pending): void {
    const b = this.builder;
    if (this.isLeaf(n.depth, n.cnt, n.pos) || !this.findSplit(n.hist, n.cnt, n.pos)) {
      b.setLeaf(n.node, n.pos / n.cnt, n.depth);
      this.work.release(n.hist);
      return;
    }
    const { feature, threshold, leftCnt: cl, leftPos: pl } = this.best;
    const cr = n.cnt - cl;
    const pr = n.pos - pl;
    const left = b.setSplit(n.node, feature, threshold, n.pos / n.cnt);
    this.importances[feature] += weightedGini(n.cnt, n.pos) - weightedGini(cl, pl) - weightedGini(cr, pr);
    const depth = n.depth + 1;
    const leftLeaf = this.isLeaf(depth, cl, pl);
    const rightLeaf = this.isLeaf(depth, cr, pr);
    if (leftLeaf) b.setLeaf(left, pl / cl, depth);
    if (rightLeaf) b.setLeaf(left + 1, pr / cr, depth);
    if (leftLeaf && rightLeaf) {
      this.work.release(n.hist);
      return;
    }
    const mid = this.work.partition(n.start, n.end, feature, threshold);
    const l = { node: left, start: n.start, end: mid, depth, cnt: cl, pos: pl, hist: n.hist };
    const r = { node: left + 1, start: mid, end: n.end, depth, cnt: cr, pos: pr, hist: n.hist };
    const [small, large] = mid - n.start <= n.end - mid ? [l, r] : [r, l];
    // Scan the smaller child's rows; the larger one's histogram is the parent's minus the smaller's.
    const scanned = this.work.acquire(this.nBins);
    this.work.accumulate(small.start, small.end, scanned);
    this.work.subtract(n.hist, scanned, this.nBins);
    small.hist = scanned;
    if (!(small === l ? leftLeaf : rightLeaf)) this.stack.push(small);
    else this.work.release(scanned);
    if (!(large === l ? leftLeaf : rightLeaf)) this.stack.push(large);
    else this.work.release(n.hist);
  }

  /**
   * Draws features without replacement until maxFeatures non-constant ones were tried (constant
   * ones do not count, as in scikit-learn); leaves the best split in this.best.
   */
  private findSplit(hist: Hist, cnt: number, pos: number): boolean {
    const { perm, rng, best } = this;
    const { nBins } = this;
    const nf = perm.length;
    best.score = -Infinity;
    best.feature = nf;
    best.threshold = 0;
    let tried = 0;
    for (let k = 0; k < nf && tried < this.params.maxFeatures; k++) {
      const j = k + rng.int(nf - k);
      const f = perm[j];
      perm[j] = perm[k];
      perm[k] = f;
      if (scanFeature(hist.cnt, hist.pos, f, nBins[f], cnt, pos, this.params.minSamplesLeaf, best)) tried++;
    }
    return best.score > -Infinity;
  }
}
