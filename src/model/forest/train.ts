/**
 * trainForest: bins the table once, then grows the trees in this thread (threads = 1) or in worker
 * threads sharing the binned table. Tree i depends only on the table, the params and i, so the
 * model is the same byte for byte at any thread count.
 */
import { binRows, computeBinEdges, featureOffset, groupCount, type BinnedTable, type BinningOptions } from './binning.js';
import { flattenTrees, forestImportances } from './flatForest.js';
import { TreeGrower } from './grow.js';
import { ForestModel } from './model.js';
import type { GrownTree } from './tree.js';
import { checkTrainingData, growParams, normaliseParams, resolveThreads, type ForestParams, type GrowParams, type TrainingData } from './types.js';
import { growInWorkers } from './workerPool.js';

export interface TrainOptions {
  /** Aborting stops the workers and rejects with signal.reason. */
  signal?: AbortSignal;
  /** Called as each tree is done (in completion order). */
  onTree?: (done: number, total: number) => void;
  /** How bin edges are placed (default DEFAULT_BINNING); the edges go into the model, so it predicts alike whatever was used. */
  binning?: BinningOptions;
}

export async function trainForest(data: TrainingData, params: ForestParams, opts: TrainOptions = {}): Promise<ForestModel> {
  const stored = normaliseParams(params);
  checkTrainingData(data);
  opts.signal?.throwIfAborted();
  const { nRows, featureNames, columns } = data;
  const threads = resolveThreads(params.threads, stored.nTrees);
  const table = allocateTable(nRows, featureNames.length, threads > 1);
  let binEdges: Float64Array[] = [];
  const bin = () => {
    binEdges = computeBinEdges(columns, nRows, stored.maxBins!, stored.seed, featureNames, opts.binning);
    fillTable(table, data, binEdges);
  };
  const grow = growParams(stored, featureNames.length);
  let trees: GrownTree[];
  if (threads === 1) {
    bin();
    trees = await growInProcess(table, grow, stored.nTrees, opts);
  } else {
    // The table is binned while the workers start up.
    trees = await growInWorkers(table, grow, stored.nTrees, threads, { ...opts, prepare: bin });
  }
  return new ForestModel({
    featureNames: [...featureNames],
    params: stored,
    binEdges,
    importances: forestImportances(trees, featureNames.length),
    forest: flattenTrees(trees),
  });
}

/** An empty group-major table (shared memory when workers will read it). */
function allocateTable(nRows: number, nFeatures: number, shared: boolean): BinnedTable {
  const groups = groupCount(nFeatures);
  const buffer = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  return { data: new Uint8Array(buffer(nRows * groups * 4)), nRows, nFeatures, groups, nBins: new Int32Array(buffer(nFeatures * 4)) };
}

/** Bins the columns into the table, each row's label in its tag byte. */
function fillTable(table: BinnedTable, data: TrainingData, binEdges: Float64Array[]): void {
  const { nRows, featureNames, columns, labels } = data;
  binRows(columns, binEdges, 0, nRows, table.data, (f) => featureOffset(f, nRows), 4, featureNames);
  for (let r = 0, o = featureOffset(table.groups * 4 - 1, nRows); r < nRows; r++, o += 4) table.data[o] = labels[r];
  binEdges.forEach((e, f) => (table.nBins[f] = e.length + 1));
}

/** One tree at a time, yielding to the event loop between trees so an abort can land. */
async function growInProcess(table: BinnedTable, params: GrowParams, nTrees: number, opts: TrainOptions): Promise<GrownTree[]> {
  const grower = new TreeGrower(table, params);
  const trees: GrownTree[] = [];
  for (let i = 0; i < nTrees; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    opts.signal?.throwIfAborted();
    trees.push(grower.grow(i));
    opts.onTree?.(i + 1, nTrees);
  }
  return trees;
}
