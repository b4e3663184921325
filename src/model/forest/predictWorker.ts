/**
 * A prediction worker of predictParallel.ts: bins and walks chunks of the shared float columns (or
 * walks chunks of shared row-major bins, predictBinnedRows) with the wasm kernel until none is
 * left, then sends its count of non-finite values per feature and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FlatForest } from './flatForest.js';
import { TOP_CHUNK_ROWS, WasmForest } from './predictWasm.js';

/** One prediction over threads: the forest, shared columns and output, and the next chunk's number. */
export interface PredictJob {
  forest: FlatForest;
  binEdges: readonly Float64Array[];
  featureNames: readonly string[];
  /** The float columns (none when `bins` is given). */
  columns: Float64Array[];
  /** Rows already binned with binEdges, row-major (`stride` bytes a row), instead of columns. */
  bins?: Uint8Array;
  stride?: number;
  /**
   * Per feature, a permuted copy of its column (predictPermuted): pass f predicts the rows with
   * column f replaced by permuted[f] into out[f·nRows …]; chunk k of the counter is pass
   * ⌊k / chunks⌋'s chunk k mod chunks. Absent: one pass over the columns as they are.
   */
  permuted?: Float64Array[];
  nRows: number;
  /** The next chunk to take (Atomics.add): chunk k is rows [k·CHUNK_ROWS, (k + 1)·CHUNK_ROWS). */
  next: Int32Array;
  out: Float64Array;
  /**
   * Rows filled so far (predictAsFilled): a chunk is walked once its rows are all below it; -1
   * stops the walk (the features failed). Absent: every row is there.
   */
  filled?: Int32Array;
}

/** Rows a thread takes at a time (the kernel's chunk): ~120 chunks for a 1.9 M-row day. */
const CHUNK_ROWS = TOP_CHUNK_ROWS;

/** Walks chunks until none is left; returns the non-finite values counted per feature. */
export function claimRows(kernel: WasmForest, job: PredictJob): Float64Array {
  const bad = new Float64Array(job.featureNames.length);
  const chunks = Math.ceil(job.nRows / CHUNK_ROWS);
  const passes = job.permuted?.length ?? 1;
  for (;;) {
    const k = Atomics.add(job.next, 0, 1);
    if (k >= chunks * passes) return bad;
    const pass = Math.floor(k / chunks);
    const start = (k - pass * chunks) * CHUNK_ROWS;
    const end = Math.min(job.nRows, start + CHUNK_ROWS);
    if (job.filled && !waitFilled(job.filled, end)) return bad;
    const out = job.out.subarray(pass * job.nRows + start, pass * job.nRows + end);
    if (job.bins) kernel.predictBins(job.bins, job.stride!, start, end, out);
    else {
      const columns = job.permuted ? job.columns.map((c, f) => (f === pass ? job.permuted![f] : c)) : job.columns;
      kernel.predictColumns(columns, job.binEdges, start, end, out, bad);
    }
  }
}

/** Blocks until `end` rows are filled (true) or the fill was abandoned (false). Workers only: it blocks the thread. */
function waitFilled(filled: Int32Array, end: number): boolean {
  for (;;) {
    const now = Atomics.load(filled, 0);
    if (now < 0) return false;
    if (now >= end) return true;
    Atomics.wait(filled, 0, now);
  }
}

if (parentPort && (workerData as PredictJob | undefined)?.next) {
  const job = workerData as PredictJob;
  const kernel = WasmForest.create(job.forest, job.featureNames.length);
  if (!kernel) throw new Error('prediction worker: the forest does not fit the wasm kernel');
  parentPort.postMessage(claimRows(kernel, job));
}
