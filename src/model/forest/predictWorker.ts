/**
 * A prediction worker of predictParallel.ts: bins and walks chunks of the shared float columns
 * with the wasm kernel until none is left, then sends its count of non-finite values per feature and exits.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FlatForest } from './flatForest.js';
import { TOP_CHUNK_ROWS, WasmForest } from './predictWasm.js';

/** One prediction over threads: the forest, shared columns and output, and the next chunk's number. */
export interface PredictJob {
  forest: FlatForest;
  binEdges: readonly Float64Array[];
  featureNames: readonly string[];
  columns: Float64Array[];
  nRows: number;
  /** The next chunk to take (Atomics.add): chunk k is rows [k·CHUNK_ROWS, (k + 1)·CHUNK_ROWS). */
  next: Int32Array;
  out: Float64Array;
}

/** Rows a thread takes at a time (the kernel's chunk): ~120 chunks for a 1.9 M-row day. */
const CHUNK_ROWS = TOP_CHUNK_ROWS;

/** Walks chunks until none is left; returns the non-finite values counted per feature. */
export function claimRows(kernel: WasmForest, job: PredictJob): Float64Array {
  const bad = new Float64Array(job.columns.length);
  for (;;) {
    const start = Atomics.add(job.next, 0, 1) * CHUNK_ROWS;
    if (start >= job.nRows) return bad;
    const end = Math.min(job.nRows, start + CHUNK_ROWS);
    kernel.predictColumns(job.columns, job.binEdges, job.featureNames, start, end, job.out.subarray(start, end), bad);
  }
}

if (parentPort && (workerData as PredictJob | undefined)?.next) {
  const job = workerData as PredictJob;
  const kernel = WasmForest.create(job.forest, job.columns.length);
  if (!kernel) throw new Error('prediction worker: the forest does not fit the wasm kernel');
  parentPort.postMessage(claimRows(kernel, job));
}
