/**
 * Rows binned once for prediction, so that a caller can drop their float columns. A model predicts
 * by binning each value with its own edges and walking the bins (model.ts), so rows binned with
 * the very same edges give the same predictions bit for bit without the floats: train bins its
 * validation rows with the search trainer's edges (15 bytes a row instead of 120) before the search,
 * and every trial's model, which carries those edges, predicts them.
 */
import { binRows } from './binRows.js';
import type { ForestModel } from './model.js';
import { predictBinned } from './predictKernel.js';
import { predictInWorkers } from './workerPool.js';
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

/**
 * P(fraud) of binned rows; the same numbers as model.predict on their float columns. Refuses rows
 * binned with other edges or for other features (their bins would mean other values).
 */
export async function predictBinnedRows(model: ForestModel, rows: BinnedRows, opts: { threads?: number } = {}): Promise<Float64Array> {
  const { featureNames, binEdges, forest } = model.parts;
  if (!sameEdges(featureNames, binEdges, rows)) throw new Error('predictBinnedRows: the rows were binned with other features or edges than the model was trained on');
  const threads = predictThreads(model, rows.nRows, opts.threads);
  if (threads > 1) return predictInWorkers(forest, rows.bins, rows.stride, rows.nRows, threads);
  const out = new Float64Array(rows.nRows);
  predictBinned(model.compiledForest(), rows.bins, rows.stride, 0, rows.nRows, out);
  return out;
}

function sameEdges(names: readonly string[], edges: readonly Float64Array[], rows: BinnedRows): boolean {
  if (names.length !== rows.featureNames.length || names.some((n, f) => n !== rows.featureNames[f])) return false;
  return edges.every((e, f) => {
    const r = rows.binEdges[f];
    if (e === r) return true;
    if (e.length !== r.length) return false;
    for (let i = 0; i < e.length; i++) if (!Object.is(e[i], r[i])) return false;
    return true;
  });
}
