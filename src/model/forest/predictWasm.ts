/**
 * The forest in a WebAssembly memory, walked by predictKernel.wat's `walk_top` (the JS kernel of
 * predictKernel.ts stays as the oracle and the fallback): each tree's first four levels for 16 rows at
 * once (WebAssembly SIMD: one byte comparison of 16 rows' bins per node, each row keeping the
 * result of the node at its own position), then the rest of each walk one row at a time, eight
 * side by side. The top levels are a perfect tree of 15 nodes per tree (a leaf above level 4
 * stands in for its missing descendants with a test no bin passes) and the 16 positions they end
 * at map to the real nodes the walks continue from; so every row reaches the leaf predictKernel.ts
 * reaches, and its sum over trees is the same doubles in the same order. Rows come in chunks,
 * binned feature-major (feature f of row r at byte f·CHUNK + r): from float columns (binRows.ts's
 * binRows, the edges the model was trained with) or from row-major bins.
 */
import { binColumn, padEdges } from './binRows.js';
import type { FlatForest } from './flatForest.js';
import { PREDICT_KERNEL_WASM } from './predictKernelWasm.js';

/** Rows binned and walked at a time (the kernel walks them all, tree by tree: predictKernel.wat's block). */
export const TOP_CHUNK_ROWS = 1 << 14;
const TOP_LEVELS = 4;
const TOP_ENDS = 1 << TOP_LEVELS;
const TOP_NODES = (1 << TOP_LEVELS) - 1;
const PAGE = 65536;
const MAX_MEMORY_BYTES = 2 ** 31;

type WalkTop = (trees: number, nTrees: number, nodes: number, values: number, data: number, nRows: number, out: number, consts: number, scratch: number) => void;

interface WasmApi {
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | undefined;

const align = (n: number) => Math.ceil(n / 64) * 64;

export class WasmForest {
  private readonly walk: WalkTop;
  private readonly u8: Uint8Array;
  private readonly sums: Float64Array;
  private readonly nTrees: number;
  private readonly at: { trees: number; nodes: number; values: number; consts: number; scratch: number; out: number; data: number };

  private constructor(
    forest: FlatForest,
    private readonly nFeatures: number,
  ) {
    const nodes = forest.left.length;
    this.nTrees = forest.roots.length;
    const trees = 0;
    const tops = align(16 * this.nTrees);
    const starts = tops + 32 * TOP_NODES * this.nTrees;
    const nodesAt = align(starts + 4 * TOP_ENDS * this.nTrees);
    const values = align(nodesAt + 8 * nodes);
    const consts = align(values + 8 * nodes);
    const scratch = consts + 16 * 17;
    const out = align(scratch + 16);
    const data = align(out + 8 * (TOP_CHUNK_ROWS + 16));
    this.at = { trees, nodes: nodesAt, values, consts, scratch, out, data };
    const memory = new wasm!.Memory({ initial: Math.ceil((data + nFeatures * TOP_CHUNK_ROWS + 64) / PAGE) });
    compiled ??= new wasm!.Module(Buffer.from(PREDICT_KERNEL_WASM, 'base64'));
    this.walk = new wasm!.Instance(compiled, { env: { memory } }).exports.walk_top as WalkTop;
    const buffer = memory.buffer;
    this.u8 = new Uint8Array(buffer);
    this.sums = new Float64Array(buffer, out, TOP_CHUNK_ROWS);
    const i32 = new Int32Array(buffer);

    const { left, feature, threshold, roots, depths } = forest;
    // A node's word for the rest of the walk: its feature's byte offset in the chunk | its threshold.
    for (let i = 0; i < nodes; i++) {
      i32[(nodesAt >> 2) + 2 * i] = left[i];
      i32[(nodesAt >> 2) + 2 * i + 1] = feature[i] * TOP_CHUNK_ROWS + threshold[i];
    }
    new Float64Array(buffer, values, nodes).set(forest.value);
    for (let p = 0; p < 16; p++) this.u8.fill(p, consts + 16 * p, consts + 16 * p + 16);
    this.u8.fill(1, consts + 256, consts + 272);
    const level = new Int32Array(TOP_ENDS);
    const next = new Int32Array(TOP_ENDS);
    for (let t = 0; t < this.nTrees; t++) {
      const top = tops + 32 * TOP_NODES * t;
      const start = starts + 4 * TOP_ENDS * t;
      i32[(16 * t) >> 2] = roots[t];
      i32[(16 * t + 4) >> 2] = Math.max(0, depths[t] - TOP_LEVELS);
      i32[(16 * t + 8) >> 2] = top;
      i32[(16 * t + 12) >> 2] = start;
      level[0] = roots[t];
      for (let k = 0, j = 0; k < TOP_LEVELS; k++) {
        for (let p = 0; p < 1 << k; p++, j++) {
          const n = level[p];
          const leaf = left[n] === n;
          // A leaf's test: no bin exceeds 255, so both of its stand-in children are the leaf itself.
          this.u8.fill(leaf ? 255 : threshold[n], top + 32 * j, top + 32 * j + 16);
          i32[(top + 32 * j + 16) >> 2] = leaf ? 0 : feature[n] * TOP_CHUNK_ROWS;
          next[2 * p] = leaf ? n : left[n];
          next[2 * p + 1] = leaf ? n : left[n] + 1;
        }
        level.set(next.subarray(0, 2 << k));
      }
      for (let p = 0; p < TOP_ENDS; p++) i32[(start >> 2) + p] = level[p];
    }
  }

  /** Null without WebAssembly (SIMD included) or for a forest too large for a wasm memory. */
  static create(forest: FlatForest, nFeatures: number): WasmForest | null {
    if (!wasm) return null;
    for (const f of forest.feature) if (f >= nFeatures) return null;
    // The kernel ends a group's walks once all its rows sit on nodes of threshold 255, a leaf's
    // (tree.ts); a split of threshold 255 (which no grower of ours makes: nothing would go right)
    // is left to the JS kernel.
    for (let i = 0; i < forest.left.length; i++) if (forest.threshold[i] === 255 && forest.left[i] !== i) return null;
    const bytes = 16 * forest.roots.length + 96 * TOP_NODES * forest.roots.length + 16 * forest.left.length + nFeatures * TOP_CHUNK_ROWS + 8 * TOP_CHUNK_ROWS + 4096;
    if (bytes >= MAX_MEMORY_BYTES) return null;
    try {
      return new WasmForest(forest, nFeatures);
    } catch {
      return null; // a runtime without wasm SIMD cannot compile the module
    }
  }

  /**
   * out[r - start] for rows [start, end) of float columns binned with binEdges. Counts each
   * feature's non-finite values into bad[f]; a chunk that has any is not walked (the caller refuses the rows).
   */
  predictColumns(columns: readonly Float64Array[], binEdges: readonly Float64Array[], start: number, end: number, out: Float64Array, bad: Float64Array): void {
    const padded = binEdges.map(padEdges);
    for (let r0 = start; r0 < end; r0 += TOP_CHUNK_ROWS) {
      const r1 = Math.min(end, r0 + TOP_CHUNK_ROWS);
      let finite = true;
      for (let f = 0; f < this.nFeatures; f++) {
        const nonFinite = binColumn(columns[f], padded[f], r0, r1, this.u8, this.at.data + f * TOP_CHUNK_ROWS, 1);
        bad[f] += nonFinite;
        if (nonFinite > 0) finite = false;
      }
      if (!finite) continue;
      this.walkChunk(r1 - r0, out, r0 - start);
    }
  }

  /** out[r - start] for rows [start, end) of row-major bins (`stride` bytes a row). */
  predictBins(bins: Uint8Array, stride: number, start: number, end: number, out: Float64Array): void {
    const { u8 } = this;
    for (let r0 = start; r0 < end; r0 += TOP_CHUNK_ROWS) {
      const r1 = Math.min(end, r0 + TOP_CHUNK_ROWS);
      for (let f = 0; f < this.nFeatures; f++) {
        const to = this.at.data + f * TOP_CHUNK_ROWS - r0;
        for (let r = r0, from = r0 * stride + f; r < r1; r++, from += stride) u8[to + r] = bins[from];
      }
      this.walkChunk(r1 - r0, out, r0 - start);
    }
  }

  private walkChunk(n: number, out: Float64Array, at: number): void {
    const { trees, nodes, values, data, out: sumsAt, consts, scratch } = this.at;
    this.walk(trees, this.nTrees, nodes, values, data, n, sumsAt, consts, scratch);
    const sums = this.sums;
    for (let k = 0; k < n; k++) out[at + k] = sums[k] / this.nTrees;
  }
}
