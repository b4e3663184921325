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
import { MAX_COPIES, type DrawnRows, type DrawScratch } from './bootstrap.js';
import { gatherRows, type BinnedTable } from './binnedTable.js';

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
type WasmBootstrap = (state: number, n: number, counts: number, reject: number, limit: number) => number;
type WasmCopy = (table: number, n: number, groups: number, cap: number, counts: number, out: number) => number;

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
  /** The JS kernel's list of drawn rows for copyDrawnRows (bootstrap.ts's DrawScratch); the wasm kernel copies without one. */
  scratch: DrawScratch | undefined;
  readonly kernel: HistogramKernel;
  private wasmAccumulate: WasmAccumulate | undefined;
  private wasmAccumulate3: WasmAccumulate3 | undefined;
  private wasmPartition: WasmPartition | undefined;
  private wasmBootstrap: WasmBootstrap | undefined;
  private wasmSubtract: WasmSubtract | undefined;
  private wasmClear: WasmClear | undefined;
  private wasmCopy: WasmCopy | undefined;
  private rngState!: Int32Array;
  /** What loadTable was given and copied to byte tableAt (wasm only), n rows a group; a new memory copies it again. */
  private loaded: { table: BinnedTable; rows: Uint32Array | undefined; n: number } | undefined;
  /** Where copy stores the draws and the fraud draws (beside the generator's state). */
  private drawnCounts!: Int32Array;
  private buffer!: ArrayBuffer;
  private slots = 0;
  private used = 0;
  private readonly free: Hist[] = [];
  private readonly rowBytes: number;
  /** Where the histograms start: after the rows, the counts and the generator's state. */
  private readonly histStart: number;
  /** partition's offset lists (PARTITION_BYTES), just before the generator's state. */
  private readonly partitionAt: number;
  /** The private copy of the fit's table (wasm: as many bytes as the working rows; 0 bytes for JS). */
  private readonly tableAt: number;
  /** The bootstrap counts, after the table. */
  private readonly countsAt: number;

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
    // Then with the wasm kernel the fit's table (at most cap rows: loadTable), with the JS one the
    // drawn rows' list (an i32 and a byte per row); the counts, partition's offset lists (256
    // bytes) and the generator's state.
    const rest = line(cap) + PARTITION_BYTES + 64;
    const wasmFits = 2 * this.rowBytes + rest + histograms * histBytes(groups) <= MAX_WASM_BYTES;
    this.kernel = wasmFits ? kernel : 'js';
    this.tableAt = this.rowBytes;
    this.countsAt = this.rowBytes + (this.kernel === 'wasm' ? this.rowBytes : line(4 * cap) + line(cap));
    this.histStart = this.countsAt + rest;
    this.partitionAt = this.histStart - 64 - PARTITION_BYTES;
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
    if (this.wasmAccumulate3) this.wasmAccumulate3(this.cap, start, end, h.at, h.at + this.groups * 4096);
    else if (this.wasmAccumulate) this.wasmAccumulate(this.cap, this.nFeatures >> 2, start, end, h.at, h.at + this.groups * 4096);
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

  /**
   * Copies the fit's table (rows `rows` of it in that order, or all of them) into this memory for
   * copyDrawn; false with the JS kernel (bootstrap.ts's copyDrawnRows reads the table where it is).
   * Only between trees. At most cap rows.
   */
  loadTable(table: BinnedTable, rows?: Uint32Array): boolean {
    this.loaded = undefined;
    if (!this.wasmCopy) return false;
    const n = rows ? rows.length : table.nRows;
    if (n > this.cap) throw new RangeError(`forest workspace: ${n} rows for ${this.cap}`);
    this.loaded = { table, rows, n };
    this.copyLoaded();
    return true;
  }

  private copyLoaded(): void {
    const { table, rows, n } = this.loaded!;
    const dst = new Int32Array(this.buffer, this.tableAt, n * this.groups);
    if (rows) gatherRows(table, rows, dst);
    else dst.set(new Int32Array(table.data.buffer, table.data.byteOffset, n * table.groups));
  }

  /** Rows of the loaded table (loadTable), or -1 when none is. */
  get loadedRows(): number {
    return this.loaded ? this.loaded.n : -1;
  }

  /**
   * The drawn rows of the loaded table (counts[0…loadedRows), `extra` the copies past MAX_COPIES) as
   * working rows, exactly as copyDrawnRows writes them: in table order, the extra copies' rows after
   * them.
   */
  copyDrawn(extra: Map<number, number>): DrawnRows {
    if (!this.wasmCopy || !this.loaded) throw new Error('forest workspace: no table loaded');
    const { n } = this.loaded;
    let m = this.wasmCopy(this.tableAt, n, this.groups, this.cap, this.counts.byteOffset, this.drawnCounts.byteOffset);
    let cnt = this.drawnCounts[0];
    let pos = this.drawnCounts[1];
    if (extra.size > 0) {
      const table = new Int32Array(this.buffer, this.tableAt, n * this.groups);
      const last = this.groups - 1;
      for (const [i, more] of extra) {
        for (let left = more; left > 0; left -= MAX_COPIES, m++) {
          const c = Math.min(left, MAX_COPIES);
          for (let g = 0; g < last; g++) this.w32[g * this.cap + m] = table[g * n + i];
          const x = table[last * n + i];
          const label = x >>> 24;
          this.w32[last * this.cap + m] = (x & 0xffffff) | ((c | (label << 7)) << 24);
          cnt += c;
          pos += label * c;
        }
      }
    }
    return { rows: m, cnt, pos };
  }

  private allocate(histograms: number): void {
    const bytes = this.histStart + histograms * histBytes(this.groups);
    if (this.kernel === 'wasm') {
      const memory = new wasm.Memory({ initial: Math.ceil(bytes / PAGE) });
      compiled ??= new wasm.Module(Buffer.from(HISTOGRAM_KERNEL_WASM, 'base64'));
      const instance = new wasm.Instance(compiled, { env: { memory } });
      this.wasmAccumulate = instance.exports.accumulate as WasmAccumulate;
      // Three whole words (12…15 features) written out; any other count through the loop over words.
      this.wasmAccumulate3 = this.nFeatures >> 2 === 3 ? (instance.exports.accumulate3 as WasmAccumulate3) : undefined;
      this.wasmPartition = instance.exports.partition as WasmPartition;
      this.wasmBootstrap = instance.exports.bootstrap as WasmBootstrap;
      this.wasmSubtract = instance.exports.subtract as WasmSubtract;
      this.wasmClear = instance.exports.clear as WasmClear;
      this.wasmCopy = instance.exports.copy as WasmCopy;
      this.buffer = memory.buffer;
    } else {
      this.buffer = new ArrayBuffer(bytes);
    }
    this.u8 = new Uint8Array(this.buffer, 0, this.cap * this.groups * 4);
    this.w32 = new Int32Array(this.buffer, 0, this.cap * this.groups);
    this.counts = new Uint8Array(this.buffer, this.countsAt, this.cap);
    this.scratch = this.kernel === 'js' ? { source: new Int32Array(this.buffer, this.rowBytes, this.cap), copies: new Uint8Array(this.buffer, this.rowBytes + line(4 * this.cap), this.cap) } : undefined;
    this.rngState = new Int32Array(this.buffer, this.histStart - 64, 4);
    this.drawnCounts = new Int32Array(this.buffer, this.histStart - 48, 2);
    // A new memory holds no table: the one loaded is copied in again.
    if (this.loaded) this.copyLoaded();
    this.slots = histograms;
    this.used = 0;
    this.free.length = 0;
  }
}
