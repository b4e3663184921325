/**
 * Rows binned once for prediction, so that a caller can drop their float columns. A model predicts
 * by binning each value with its own edges and walking the bins (model.ts), so rows binned with
 * the very same edges give the same predictions bit for bit without the floats: train bins its
 * validation rows with the search trainer's edges (15 bytes a row instead of 120) before the search,
 * and every trial's model, which carries those edges, predicts them (predictParallel.ts's predictBinnedRows).
 */
import { binRows } from './binRows.js';
import type { ForestModel } from './model.js';
import { availableParallelism } from 'node:os';

/** Row-major bins (one byte a feature, `stride` bytes a row) in shared memory, and the edges they were binned with. */
export interface BinnedRows {
  bins: Uint8Array;
  stride: number;
  nRows: number;
  featureNames: readonly string[];
  binEdges: readonly Float64Array[];
}

/** Below this many tree walks per thread, starting a worker (~50 ms) costs more than it saves. */
export const MIN_WALKS_PER_WORKER = 5_000_000;

/**
 * Bins row blocks (e.g. one per day, in order) with `binEdges` into one table of their rows
 * stacked; the blocks' columns are not copied. Non-finite values are refused (exit 3), as in training.
 */
export function binForPrediction(blocks: readonly { columns: readonly Float64Array[]; n: number }[], binEdges: readonly Float64Array[], featureNames: readonly string[]): BinnedRows {
  const stride = featureNames.length;
  const nRows = blocks.reduce((s, b) => s + b.n, 0);
  const bins = new Uint8Array(new SharedArrayBuffer(nRows * stride));
  let at = 0;
  for (const b of blocks) {
    if (b.columns.length !== stride) throw new Error(`binForPrediction: ${b.columns.length} columns for ${stride} features`);
    const base = at * stride;
    binRows(b.columns, binEdges, 0, b.n, bins, (f) => base + f, stride, featureNames);
    at += b.n;
  }
  return { bins, stride, nRows, featureNames, binEdges };
}

/** Threads worth starting for nRows rows of this model (the available cores at most). */
export function predictThreads(model: ForestModel, nRows: number, threads?: number): number {
  const walks = nRows * model.parts.forest.roots.length;
  return Math.max(1, Math.min(threads ?? Math.min(availableParallelism(), Math.floor(walks / MIN_WALKS_PER_WORKER)), nRows));
}
