/**
 * The forest in a WebAssembly memory, walked by predictKernel.wat a block of rows at a time: binned
 * rows (train's validation and test rows) or the float columns themselves (score: no binning). A
 * float row goes right where its value ≥ the bin edge the node's bin threshold stands for, which
 * is exactly where its bin (the count of edges ≤ the value, binning.ts) exceeds the threshold; so
 * both layouts give predictKernel.ts's numbers bit for bit. Each thread makes its own (a few MB
 * for 100 trees of depth 10); null when the forest does not fit a wasm memory or its edges are
 * not in order (then callers use the JS kernel).
 */
import type { FlatForest } from './flatForest.js';
import { PREDICT_KERNEL_WASM } from './predictKernelWasm.js';

/** Rows walked at a time: a block's values (15 features × 8 bytes × 256 = 30 KB) stay in L1/L2 beside one tree's nodes. */
export const WASM_BLOCK_ROWS = 256;
const PAGE = 65536;
/** The kernel's addresses are 32-bit and V8 caps a memory at 4 GB; keep well below. */
const MAX_MEMORY_BYTES = 2 ** 31;

type WalkBins = (trees: number, nTrees: number, nodes: number, values: number, data: number, stride: number, nRows: number, out: number) => void;
type WalkFloats = (trees: number, nTrees: number, nodes: number, values: number, data: number, nRows: number, out: number) => void;

/** The part of the WebAssembly API used here (the project's TS lib has no DOM/WebAssembly types). */
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | undefined;

const align = (n: number) => Math.ceil(n / 64) * 64;

export class WasmForest {
  private readonly buffer: ArrayBuffer;
  private readonly nTrees: number;
  private readonly at: { trees: number; nodes: number; values: number; out: number; data: number };
  private readonly walkBins: WalkBins;
  private readonly walkFloats: WalkFloats;
  private readonly outView: Float64Array;

  private constructor(
    forest: FlatForest,
    private readonly layout: 'bins' | 'floats',
    dataBytes: number,
    binEdges?: readonly Float64Array[],
  ) {
    const nodes = forest.left.length;
    const nodeBytes = layout === 'bins' ? 8 : 16;
    this.nTrees = forest.roots.length;
    const trees = 0;
    const nodesAt = align(8 * this.nTrees);
    const values = align(nodesAt + nodeBytes * nodes);
    const out = align(values + 8 * nodes);
    const data = align(out + 8 * WASM_BLOCK_ROWS);
    this.at = { trees, nodes: nodesAt, values, out, data };
    const memory = new wasm!.Memory({ initial: Math.ceil((data + dataBytes) / PAGE) });
    compiled ??= new wasm!.Module(Buffer.from(PREDICT_KERNEL_WASM, 'base64'));
    const { exports } = new wasm!.Instance(compiled, { env: { memory } });
    this.walkBins = exports.walk_bins as WalkBins;
    this.walkFloats = exports.walk_floats as WalkFloats;
    this.buffer = memory.buffer;
    this.outView = new Float64Array(this.buffer, out, WASM_BLOCK_ROWS);

    const treeWords = new Int32Array(this.buffer, trees, 2 * this.nTrees);
    for (let t = 0; t < this.nTrees; t++) {
      treeWords[2 * t] = forest.roots[t];
      treeWords[2 * t + 1] = forest.depths[t];
    }
    new Float64Array(this.buffer, values, nodes).set(forest.value);
    const words = new Int32Array(this.buffer, nodesAt, (nodeBytes / 4) * nodes);
    const { left, feature, threshold } = forest;
    if (layout === 'bins') {
      for (let i = 0; i < nodes; i++) {
        words[2 * i] = left[i];
        words[2 * i + 1] = (feature[i] << 8) | threshold[i];
      }
    } else {
      const thresholds = new Float64Array(this.buffer, nodesAt, 2 * nodes);
      const colBytes = 8 * WASM_BLOCK_ROWS;
      for (let i = 0; i < nodes; i++) {
        const edges = binEdges![feature[i]];
        words[4 * i] = left[i];
        words[4 * i + 1] = feature[i] * colBytes;
        // bin > t ⇔ (count of edges ≤ x) > t ⇔ edges[t] ≤ x; no edge t (a leaf's 255): no row passes.
        thresholds[2 * i + 1] = threshold[i] < edges.length ? edges[threshold[i]] : Infinity;
      }
    }
  }

  /** For binned rows of `stride` bytes; null without WebAssembly or when the forest is too large for it. */
  static forBins(forest: FlatForest, stride: number): WasmForest | null {
    if (!wasm || !fits(forest, 8, WASM_BLOCK_ROWS * stride)) return null;
    return new WasmForest(forest, 'bins', WASM_BLOCK_ROWS * stride);
  }

  /** For float columns binned with `binEdges`; null as forBins, or when an edge list is not ascending (then binning decides). */
  static forFloats(forest: FlatForest, binEdges: readonly Float64Array[]): WasmForest | null {
    const dataBytes = WASM_BLOCK_ROWS * 8 * binEdges.length;
    if (!wasm || !fits(forest, 16, dataBytes) || !binEdges.every(ascending)) return null;
    for (const f of forest.feature) if (f >= binEdges.length) return null;
    return new WasmForest(forest, 'floats', dataBytes, binEdges);
  }

  /** out[r - start] = the mean leaf value over the trees, for binned rows [start, end). */
  predictBins(bins: Uint8Array, stride: number, start: number, end: number, out: Float64Array): void {
    if (this.layout !== 'bins') throw new Error('WasmForest.predictBins: built for float columns');
    const data = new Uint8Array(this.buffer, this.at.data, WASM_BLOCK_ROWS * stride);
    for (let r0 = start; r0 < end; r0 += WASM_BLOCK_ROWS) {
      const r1 = Math.min(end, r0 + WASM_BLOCK_ROWS);
      data.set(bins.subarray(r0 * stride, r1 * stride));
      this.walkBins(this.at.trees, this.nTrees, this.at.nodes, this.at.values, this.at.data, stride, r1 - r0, this.at.out);
      this.collect(r1 - r0, out, r0 - start);
    }
  }

  /**
   * out[r - start] for the rows [start, end) of the float columns; counts each feature's
   * non-finite values into bad[f] (their rows' scores are then meaningless: the caller refuses them).
   */
  predictColumns(columns: readonly Float64Array[], start: number, end: number, out: Float64Array, bad: Float64Array): void {
    if (this.layout !== 'floats') throw new Error('WasmForest.predictColumns: built for binned rows');
    const data = new Float64Array(this.buffer, this.at.data, WASM_BLOCK_ROWS * columns.length);
    for (let r0 = start; r0 < end; r0 += WASM_BLOCK_ROWS) {
      const r1 = Math.min(end, r0 + WASM_BLOCK_ROWS);
      const n = r1 - r0;
      for (let f = 0; f < columns.length; f++) {
        const at = f * WASM_BLOCK_ROWS;
        data.set(columns[f].subarray(r0, r1), at);
        let nonFinite = 0;
        for (let i = at; i < at + n; i++) if (data[i] - data[i] !== 0) nonFinite++;
        bad[f] += nonFinite;
      }
      this.walkFloats(this.at.trees, this.nTrees, this.at.nodes, this.at.values, this.at.data, n, this.at.out);
      this.collect(n, out, r0 - start);
    }
  }

  /** The block's sums divided by the number of trees, as predictKernel.ts divides them. */
  private collect(n: number, out: Float64Array, at: number): void {
    const sums = this.outView;
    for (let k = 0; k < n; k++) out[at + k] = sums[k] / this.nTrees;
  }
}

function fits(forest: FlatForest, nodeBytes: number, dataBytes: number): boolean {
  const nodes = forest.left.length;
  return 8 * forest.roots.length + (nodeBytes + 8) * nodes + 8 * WASM_BLOCK_ROWS + dataBytes + 4 * 64 < MAX_MEMORY_BYTES;
}

function ascending(edges: Float64Array): boolean {
  for (let i = 0; i < edges.length; i++) if (Number.isNaN(edges[i]) || (i > 0 && !(edges[i - 1] <= edges[i]))) return false;
  return true;
}
