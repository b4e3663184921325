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
  for (;;) {
    const start = Atomics.add(job.next, 0, 1) * CHUNK_ROWS;
    if (start >= job.nRows) return bad;
    const end = Math.min(job.nRows, start + CHUNK_ROWS);
    if (job.filled && !waitFilled(job.filled, end)) return bad;
    if (job.bins) kernel.predictBins(job.bins, job.stride!, start, end, job.out.subarray(start, end));
    else kernel.predictColumns(job.columns, job.binEdges, job.featureNames, start, end, job.out.subarray(start, end), bad);
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
