/**
 * A tree grower's memory: its bootstrap counts, working rows and a pool of histograms, in one
 * WebAssembly memory so that the wasm kernel (histogramKernel.wat: bootstrap draw, histograms,
 * partition) reads and writes them in place; the JS code (copy, split search) works on
 * typed-array views of the same bytes. The kernel never changes a model: both draw the same
 * rows, add the same integers and partition alike.
 */
import { accumulate, clearHist, partition, subtract, type Hist } from './histogram.js';
import { HISTOGRAM_KERNEL_WASM } from './histogramKernelWasm.js';
import type { Rng } from '../../util/rng.js';
import { MAX_COPIES, type DrawScratch } from './bootstrap.js';

/** 'wasm' (the default) or 'js' (histogram.ts's accumulate: the oracle, and the fallback). */
export type HistogramKernel = 'wasm' | 'js';

/** Bytes per histogram pair (cnt + pos): 1024 i32 slots per group each. */
const histBytes = (groups: number) => groups * 1024 * 4 * 2;
/** Above this a wasm memory (32-bit addresses) is not used: the JS kernel on an ArrayBuffer. */
const MAX_WASM_BYTES = 2 ** 31;
const PAGE = 65536;
const line = (bytes: number) => Math.ceil(bytes / 64) * 64;
/** The wasm partition's lists of misplaced offsets in a block (histogramKernel.wat). */
const PARTITION_BYTES = 256;

type WasmAccumulate = (cap: number, full: number, start: number, end: number, cnt: number, pos: number) => void;
type WasmAccumulate3 = (cap: number, start: number, end: number, cnt: number, pos: number) => void;
type WasmPartition = (cap: number, groups: number, start: number, end: number, f: number, t: number, buf: number) => number;
type WasmSubtract = (parent: number, child: number, bytes: number, posOffset: number) => void;
type WasmClear = (h: number, bytes: number, posOffset: number) => void;
type WasmCompact = (counts: number, n: number, source: number, copies: number) => number;
type WasmBootstrap = (state: number, n: number, counts: number, reject: number, limit: number) => number;

/** The part of the WebAssembly API used here (the project's TS lib has no DOM/WebAssembly types). */
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;

export class Workspace {
  u8!: Uint8Array;
  w32!: Int32Array;
  /** Bootstrap counts, one byte per table row. */
  counts!: Uint8Array;
  /** copyDrawnRows's list of drawn rows (bootstrap.ts's DrawScratch). */
  scratch!: DrawScratch;
  readonly kernel: HistogramKernel;
  private wasmAccumulate: WasmAccumulate | undefined;
  private wasmAccumulate3: WasmAccumulate3 | undefined;
  private wasmPartition: WasmPartition | undefined;
  private wasmBootstrap: WasmBootstrap | undefined;
  private wasmSubtract: WasmSubtract | undefined;
  private wasmClear: WasmClear | undefined;
  private wasmCompact: WasmCompact | undefined;
  private rngState!: Int32Array;
  private buffer!: ArrayBuffer;
  private slots = 0;
  private used = 0;
  private readonly free: Hist[] = [];
  private readonly rowBytes: number;
  /** Where the histograms start: after the rows, the counts and the generator's state. */
  private readonly histStart: number;
  /** partition's offset lists (PARTITION_BYTES), just before the generator's state. */
  private readonly partitionAt: number;

  /** Working rows for a table of capacity `cap` and `groups` words a row, and `histograms` histograms. */
  constructor(
    /** Working rows it holds: the stride of its group-major rows. */
    readonly cap: number,
    private readonly groups: number,
    private readonly nFeatures: number,
    histograms: number,
    kernel: HistogramKernel = 'wasm',
  ) {
    // Histograms start on a 64-byte line.
    this.rowBytes = line(cap * groups * 4);
    // Then the counts, the drawn rows' list (an i32 and a byte per row), partition's offset lists
    // (256 bytes) and the generator's state.
    this.histStart = this.rowBytes + line(cap) + line(4 * cap) + line(cap) + PARTITION_BYTES + 64;
    this.partitionAt = this.histStart - 64 - PARTITION_BYTES;
    this.kernel = this.histStart + histograms * histBytes(groups) > MAX_WASM_BYTES ? 'js' : kernel;
    this.allocate(histograms);
  }

  /**
   * Makes room for `histograms` histograms; only between trees (a larger memory is a new one, and
   * the rows and histograms in the old one are gone).
   */
  reserve(histograms: number): void {
    if (histograms > this.slots) this.allocate(histograms);
  }

  /** A histogram with each feature's bins zeroed (the only slots ever read; wasm zeroes all 256 of each). */
  acquire(nBins: Int32Array): Hist {
    let h = this.free.pop();
    if (h) {
      if (this.wasmClear) this.wasmClear(h.at, this.nFeatures * 1024, this.groups * 4096);
      else clearHist(h, nBins);
      return h;
    }
    if (this.used === this.slots) throw new Error(`forest workspace: more than ${this.slots} histograms in use`);
    const at = this.histStart + this.used++ * histBytes(this.groups);
    const size = this.groups * 1024;
    // Fresh memory is zero.
    return { cnt: new Int32Array(this.buffer, at, size), pos: new Int32Array(this.buffer, at + size * 4, size), at };
  }

  release(h: Hist): void {
    this.free.push(h);
  }

  /** Adds working rows [start, end) to h. */
  accumulate(start: number, end: number, h: Hist): void {
    const full = this.nFeatures >> 2;
    // Three whole words (12…15 features) written out; any other count through the loop over words.
    if (this.wasmAccumulate3 && full === 3) this.wasmAccumulate3(this.cap, start, end, h.at, h.at + this.groups * 4096);
    else if (this.wasmAccumulate) this.wasmAccumulate(this.cap, full, start, end, h.at, h.at + this.groups * 4096);
    else accumulate(this.w32, this.cap, this.nFeatures, start, end, h.cnt, h.pos);
  }

  /** parent -= child (the sibling's histogram without touching its rows). */
  subtract(parent: Hist, child: Hist, nBins: Int32Array): void {
    if (this.wasmSubtract) this.wasmSubtract(parent.at, child.at, this.nFeatures * 1024, this.groups * 4096);
    else subtract(parent, child, nBins);
  }

  /** Reorders working rows [start, end): bin ≤ t of feature f first; returns the first row of the rest. */
  partition(start: number, end: number, f: number, t: number): number {
    if (this.wasmPartition) return this.wasmPartition(this.cap, this.groups, start, end, f, t, this.partitionAt);
    return partition(this.u8, this.w32, this.cap, this.groups, start, end, f, t);
  }

  /**
   * counts[0…n) = the bootstrap draw of bootstrap.ts's drawBootstrap from `rng` (advanced as it
   * would advance it), in wasm; false when there is no wasm kernel or a count would pass `limit`
   * (rng then as it was: the caller draws in JS, which keeps counts past MAX_COPIES aside).
   */
  drawBootstrap(rng: Rng, n: number, limit = MAX_COPIES): boolean {
    if (!this.wasmBootstrap) return false;
    const before = rng.state();
    this.rngState.set(before);
    this.counts.fill(0, 0, n);
    if (this.wasmBootstrap(this.rngState.byteOffset, n, this.counts.byteOffset, (4294967296 - n) % n, limit) !== 0) return false;
    rng.setState(this.rngState);
    return true;
  }

  /** Lists candidates i < n with counts[i] > 0 into scratch (source = i, copies); their number, or -1 without wasm. */
  compact(n: number): number {
    if (!this.wasmCompact) return -1;
    const { source, copies } = this.scratch;
    return this.wasmCompact(this.counts.byteOffset, n, source.byteOffset, copies.byteOffset);
  }

  private allocate(histograms: number): void {
    const bytes = this.histStart + histograms * histBytes(this.groups);
    if (this.kernel === 'wasm') {
      const memory = new wasm.Memory({ initial: Math.ceil(bytes / PAGE) });
      compiled ??= new wasm.Module(Buffer.from(HISTOGRAM_KERNEL_WASM, 'base64'));
      const instance = new wasm.Instance(compiled, { env: { memory } });
      this.wasmAccumulate = instance.exports.accumulate as WasmAccumulate;
      this.wasmAccumulate3 = instance.exports.accumulate3 as WasmAccumulate3;
      this.wasmPartition = instance.exports.partition as WasmPartition;
      this.wasmBootstrap = instance.exports.bootstrap as WasmBootstrap;
      this.wasmSubtract = instance.exports.subtract as WasmSubtract;
      this.wasmClear = instance.exports.clear as WasmClear;
      this.wasmCompact = instance.exports.compact as WasmCompact;
      this.buffer = memory.buffer;
    } else {
      this.buffer = new ArrayBuffer(bytes);
    }
    this.u8 = new Uint8Array(this.buffer, 0, this.cap * this.groups * 4);
    this.w32 = new Int32Array(this.buffer, 0, this.cap * this.groups);
    this.counts = new Uint8Array(this.buffer, this.rowBytes, this.cap);
    const sourceAt = this.rowBytes + line(this.cap);
    this.scratch = { source: new Int32Array(this.buffer, sourceAt, this.cap), copies: new Uint8Array(this.buffer, sourceAt + line(4 * this.cap), this.cap) };
    this.rngState = new Int32Array(this.buffer, this.histStart - 64, 4);
    this.slots = histograms;
    this.used = 0;
    this.free.length = 0;
  }
}
